#include "orchestrator/store/execution_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "common/ids.h"
#include "orchestrator/store/state_dir.h"

namespace hpcflow::orchestrator {

namespace {

// Version 2 added executions.commands and .workdir, and the succeeded and
// failed task states; version 3 tasks.job_open (a job is live on a backend,
// whatever became of its task); version 4 execution_texts; version 5
// executions.state_machine and the state_machines table (registered names);
// version 6 executions.redrive_count and .redrive_ms.
constexpr int kSchemaVersion = 6;
// A CLI reading while the server writes waits this long for the lock
// (HPCFLOW_STORE_BUSY_MS overrides it, e.g. for tests of a locked store).
int BusyTimeoutMs() {
  if (const char* env = std::getenv("HPCFLOW_STORE_BUSY_MS")) {
    int value = std::atoi(env);
    if (value > 0) return value;
  }
  return 10'000;
}

const char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, workflow TEXT NOT NULL, definition TEXT NOT NULL,
  input TEXT NOT NULL, status TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
  created_ms INTEGER NOT NULL, start_ms INTEGER NOT NULL DEFAULT 0,
  stop_ms INTEGER NOT NULL DEFAULT 0, parent_id TEXT NOT NULL DEFAULT '',
  express INTEGER NOT NULL DEFAULT 0, backend TEXT NOT NULL DEFAULT 'local',
  seed INTEGER NOT NULL DEFAULT 0, transitions INTEGER NOT NULL DEFAULT 0,
  payload_limit INTEGER NOT NULL DEFAULT 0, parent_task INTEGER NOT NULL DEFAULT 0,
  parent_mode TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '',
  commands TEXT NOT NULL DEFAULT '{}', workdir TEXT NOT NULL DEFAULT '',
  state_machine TEXT NOT NULL DEFAULT '', redrive_count INTEGER NOT NULL DEFAULT 0,
  redrive_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS executions_by_parent ON executions(parent_id);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions(status);
CREATE INDEX IF NOT EXISTS executions_by_name ON executions(name);
CREATE TABLE IF NOT EXISTS inputs(
  execution_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, ref INTEGER NOT NULL,
  payload TEXT NOT NULL, time_ms INTEGER NOT NULL, PRIMARY KEY(execution_id, seq)) WITHOUT ROWID;
-- key = execution num * 2^32 + event id: one integer key keeps the history's
-- insert rate high (hundreds of thousands of events per second).
CREATE TABLE IF NOT EXISTS events(
  key INTEGER PRIMARY KEY, type TEXT NOT NULL, state TEXT NOT NULL,
  time_ms INTEGER NOT NULL, details TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks(
  execution_id TEXT NOT NULL, task_id INTEGER NOT NULL, state TEXT NOT NULL,
  resource TEXT NOT NULL, request TEXT NOT NULL, status TEXT NOT NULL,
  job_id TEXT NOT NULL DEFAULT '', job_open INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(execution_id, task_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS timers(
  execution_id TEXT NOT NULL, timer_id INTEGER NOT NULL, fire_ms INTEGER NOT NULL,
  PRIMARY KEY(execution_id, timer_id)) WITHOUT ROWID;
-- The large texts of an execution (its definition, input and output), apart:
-- SQLite rewrites a whole row on every update, and the executions row is
-- updated at every commit. (Since version 4; the executions columns of the
-- same names hold '' and NULL.)
CREATE TABLE IF NOT EXISTS execution_texts(
  num INTEGER PRIMARY KEY, definition TEXT NOT NULL, input TEXT NOT NULL, output TEXT);
CREATE TABLE IF NOT EXISTS requests(
  id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, kind TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '');
-- Workflows registered by name (hpcflow register NAME FILE): children and
-- submissions name them as NAME, hpcflow:stateMachine:NAME or an AWS ARN.
CREATE TABLE IF NOT EXISTS state_machines(
  name TEXT PRIMARY KEY, workflow TEXT NOT NULL, definition TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'STANDARD', created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
)sql";

// Created after the migrations (versions 5 and 6 added columns to it).
const char kViews[] = R"sql(
CREATE VIEW IF NOT EXISTS execution_rows AS SELECT
  e.rowid AS num, e.id AS id, e.name AS name, e.workflow AS workflow,
  t.definition AS definition, t.input AS input, e.status AS status, t.output AS output,
  e.error AS error, e.cause AS cause, e.created_ms AS created_ms, e.start_ms AS start_ms,
  e.stop_ms AS stop_ms, e.parent_id AS parent_id, e.express AS express, e.backend AS backend,
  e.seed AS seed, e.transitions AS transitions, e.payload_limit AS payload_limit,
  e.parent_task AS parent_task, e.parent_mode AS parent_mode, e.owner AS owner,
  e.commands AS commands, e.workdir AS workdir, e.state_machine AS state_machine,
  e.redrive_count AS redrive_count, e.redrive_ms AS redrive_ms
  FROM executions e JOIN execution_texts t ON t.num = e.rowid;
)sql";

// The columns a new execution is inserted with...
const char kExecutionFields[] =
    "id, name, workflow, definition, input, status, output, error, cause, created_ms, start_ms, "
    "stop_ms, parent_id, express, backend, seed, transitions, payload_limit, parent_task, "
    "parent_mode, owner, commands, workdir, state_machine";
// ...and those read back from the execution_rows view: its row number first,
// then what only a redrive sets.
const std::string kExecutionColumns =
    std::string("num, ") + kExecutionFields + ", redrive_count, redrive_ms";

// The key of an execution's history event (events.key): its row number
// times 2^32 plus the event id, so one execution's events are one range.
int64_t EventKey(int64_t execution_num, int64_t event_id) {
  return (execution_num << 32) + event_id;
}

std::optional<std::string> OptionalText(const Statement& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return row.Text(column);
}

}  // namespace

Json TaskRequestToJson(const workflows::TaskRequest& r) {
  Json out = {{"task_id", r.task_id},       {"state", r.state_name}, {"resource", r.resource},
              {"parameters", r.parameters}, {"attempt", r.attempt},  {"item", r.map_item_index}};
  if (r.timeout_seconds) out["timeout"] = *r.timeout_seconds;
  if (r.heartbeat_seconds) out["heartbeat"] = *r.heartbeat_seconds;
  if (!r.task_token.empty()) out["token"] = r.task_token;
  if (r.throttle_group != 0) {
    out["throttle_group"] = r.throttle_group;
    out["throttle"] = r.throttle_limit;
  }
  return out;
}

workflows::TaskRequest TaskRequestFromJson(const Json& j) {
  workflows::TaskRequest r;
  if (!j.is_object()) return r;
  r.task_id = j.value("task_id", uint64_t{0});
  r.state_name = j.value("state", std::string());
  r.resource = j.value("resource", std::string());
  if (auto it = j.find("parameters"); it != j.end()) r.parameters = *it;
  r.attempt = j.value("attempt", 0);
  r.map_item_index = j.value("item", int64_t{-1});
  if (auto it = j.find("timeout"); it != j.end() && it->is_number()) {
    r.timeout_seconds = it->get<double>();
  }
  if (auto it = j.find("heartbeat"); it != j.end() && it->is_number()) {
    r.heartbeat_seconds = it->get<double>();
  }
  r.task_token = j.value("token", std::string());
  r.throttle_group = j.value("throttle_group", uint64_t{0});
  r.throttle_limit = j.value("throttle", size_t{0});
  return r;
}

ExecutionRecord ReadExecutionRow(const Statement& row) {
  ExecutionRecord r;
  int c = 0;
  r.num = row.Int(c++);
  r.id = row.Text(c++);
  r.name = row.Text(c++);
  r.workflow = row.Text(c++);
  r.definition = row.Text(c++);
  r.input = row.Text(c++);
  r.status = row.Text(c++);
  r.output = OptionalText(row, c++);
  r.error = OptionalText(row, c++);
  r.cause = OptionalText(row, c++);
  r.created_ms = row.Int(c++);
  r.start_ms = row.Int(c++);
  r.stop_ms = row.Int(c++);
  r.parent_id = row.Text(c++);
  r.express = row.Int(c++) != 0;
  r.backend = row.Text(c++);
  r.seed = row.Int(c++);
  r.transitions = row.Int(c++);
  r.payload_limit = row.Int(c++);
  r.parent_task = row.Int(c++);
  r.parent_mode = row.Text(c++);
  r.owner = row.Text(c++);
  r.commands = row.Text(c++);
  r.workdir = row.Text(c++);
  r.state_machine = row.Text(c++);
  r.redrive_count = row.Int(c++);
  r.redrive_ms = row.Int(c++);
  return r;
}

namespace {

// Steps through a SELECT of kExecutionColumns.
Result<std::vector<ExecutionRecord>> ReadExecutionRows(Statement& stmt) {
  std::vector<ExecutionRecord> out;
  while (true) {
    auto row = stmt.Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadExecutionRow(stmt));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<ExecutionStore>> ExecutionStore::Open(const std::string& state_dir) {
  if (auto prepared = PrepareStateDir(state_dir); !prepared) return Fail(prepared.error());
  const std::string path = state_dir + "/hpcflow.db";
  // Created 0600 here rather than by SQLite (0644 less the umask); SQLite
  // gives its -wal and -shm files the database's mode. O_EXCL: closing a
  // descriptor of a database this process already has open would drop the
  // POSIX locks SQLite holds on it.
  if (int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      fd >= 0) {
    close(fd);
  }
  auto db = Database::Open(path, BusyTimeoutMs());
  if (!db) return Fail(db.error());
  auto store = std::unique_ptr<ExecutionStore>(new ExecutionStore(std::move(*db)));
  if (auto status = store->Init(); !status) {
    // Name the file: the user has to find it to repair or move it.
    return Fail(status.error().name, path + ": " + status.error().cause);
  }
  return store;
}

Status ExecutionStore::Init() {
  // WAL lets CLIs read while the server writes. synchronous=NORMAL keeps
  // every committed transaction across a crash of the process (kill -9); a
  // power loss may drop the last few, never corrupt the file.
  // A large page cache keeps a big decision (a long loop run in one step)
  // from spilling to the WAL before it commits.
  // Switching a new database to WAL answers "busy" at once (no busy wait)
  // when another process does the same: several first submits at once.
  Status wal;
  for (int attempt = 0; attempt < 200; ++attempt) {
    wal = db_->Exec("PRAGMA journal_mode=WAL");
    if (wal || wal.error().cause.find("locked") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (!wal) {
    if (wal.error().cause.find("locked") != std::string::npos) return wal;
    return Fail("store", "the state database is not usable (" + wal.error().cause +
                             "); it may be corrupt or not an hpcflow database");
  }
  if (auto s = db_->Exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"); !s) return s;
  // Schema and version in one write transaction: concurrent first users
  // cannot both insert the version row.
  if (auto s = db_->Begin(); !s) return s;
  auto setup = [&]() -> Status {
    if (auto s = db_->Exec(kSchema); !s) return s;
    if (auto s = db_->Exec("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '" +
                           std::to_string(kSchemaVersion) + "')");
        !s) {
      return s;
    }
    auto version = db_->Prepare("SELECT value FROM meta WHERE key='schema_version'");
    if (!version) return Fail(version.error());
    auto row = version->Step();
    if (!row) return Fail(row.error());
    std::string found = *row ? version->Text(0) : std::to_string(kSchemaVersion);
    version->Reset();
    if (found == "1") {
      // Version 1 (hpcflow 0.1): add what version 2 keeps, in place.
      if (auto s =
              db_->Exec("ALTER TABLE executions ADD COLUMN commands TEXT NOT NULL DEFAULT '{}';"
                        "ALTER TABLE executions ADD COLUMN workdir TEXT NOT NULL DEFAULT '';"
                        "UPDATE tasks SET status = 'succeeded' WHERE status = 'done';");
          !s) {
        return s;
      }
      found = "2";
    }
    if (found == "2") {
      // Jobs handed to a backend before the upgrade and not known to have
      // ended: those of open tasks are adopted again at recovery anyway.
      if (auto s = db_->Exec("ALTER TABLE tasks ADD COLUMN job_open INTEGER NOT NULL DEFAULT 0;"
                             "UPDATE tasks SET job_open = 1 WHERE status IN ('running', "
                             "'cancelling') AND job_id <> '';");
          !s) {
        return s;
      }
      found = "3";
    }
    if (found == "3") {
      if (auto s = db_->Exec("INSERT INTO execution_texts(num, definition, input, output) "
                             "SELECT rowid, definition, input, output FROM executions;"
                             "UPDATE executions SET definition = '', input = '', output = NULL;");
          !s) {
        return s;
      }
      found = "4";
    }
    if (found == "4") {
      if (auto s = db_->Exec("ALTER TABLE executions ADD COLUMN state_machine TEXT NOT NULL "
                             "DEFAULT '';"
                             "DROP VIEW IF EXISTS execution_rows;");
          !s) {
        return s;
      }
      found = "5";
    }
    if (found == "5") {
      if (auto s = db_->Exec("ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL "
                             "DEFAULT 0;"
                             "ALTER TABLE executions ADD COLUMN redrive_ms INTEGER NOT NULL "
                             "DEFAULT 0;"
                             "DROP VIEW IF EXISTS execution_rows;");
          !s) {
        return s;
      }
      found = "6";
    }
    if (found != std::to_string(kSchemaVersion)) {
      return Fail("store", "the state database has schema version " + found +
                               "; this hpcflow understands version " +
                               std::to_string(kSchemaVersion));
    }
    if (auto s = db_->Exec(kViews); !s) return s;
    return db_->Exec("UPDATE meta SET value = '" + found +
                     "' WHERE key = 'schema_version' AND value <> '" + found +
                     "';"
                     "CREATE INDEX IF NOT EXISTS tasks_live_jobs ON tasks(job_open) "
                     "WHERE job_open = 1;"
                     // `list` reads the newest first: without this index it
                     // sorted every execution (176 ms with 100,000; 12 ms with).
                     "CREATE INDEX IF NOT EXISTS executions_by_created ON "
                     "executions(created_ms DESC, id);");
  };
  if (auto s = setup(); !s) {
    db_->Rollback();
    return s;
  }
  return db_->Commit();
}

Status ExecutionStore::CreateExecution(ExecutionRecord& r) {
  auto stmt = db_->Prepare(std::string("INSERT INTO executions(") + kExecutionFields +
                           ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, r.id)
      .Bind(2, r.name)
      .Bind(3, r.workflow)
      .Bind(4, std::string())  // the texts go to execution_texts
      .Bind(5, std::string())
      .Bind(6, r.status)
      .Bind(7, std::optional<std::string>())
      .Bind(8, r.error)
      .Bind(9, r.cause)
      .Bind(10, r.created_ms)
      .Bind(11, r.start_ms)
      .Bind(12, r.stop_ms)
      .Bind(13, r.parent_id)
      .Bind(14, static_cast<int64_t>(r.express))
      .Bind(15, r.backend)
      .Bind(16, r.seed)
      .Bind(17, r.transitions)
      .Bind(18, r.payload_limit)
      .Bind(19, r.parent_task)
      .Bind(20, r.parent_mode)
      .Bind(21, r.owner)
      .Bind(22, r.commands)
      .Bind(23, r.workdir)
      .Bind(24, r.state_machine);
  if (auto s = stmt->Run(); !s) return s;
  r.num = db_->LastInsertRowid();
  auto texts =
      db_->Prepare("INSERT INTO execution_texts(num, definition, input, output) VALUES(?,?,?,?)");
  if (!texts) return Fail(texts.error());
  texts->Bind(1, r.num).Bind(2, r.definition).Bind(3, r.input).Bind(4, r.output);
  return texts->Run();
}

Result<std::optional<ExecutionRecord>> ExecutionStore::GetExecution(const std::string& id_or_name) {
  for (const char* column : {"id", "name"}) {
    auto stmt = db_->Prepare(std::string("SELECT ") + kExecutionColumns +
                             " FROM execution_rows WHERE " + column +
                             " = ? ORDER BY created_ms DESC "
                             "LIMIT 1");
    if (!stmt) return Fail(stmt.error());
    stmt->Bind(1, id_or_name);
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (*row) return std::optional<ExecutionRecord>(ReadExecutionRow(*stmt));
  }
  return std::optional<ExecutionRecord>();
}

Result<std::vector<ExecutionRecord>> ExecutionStore::ListExecutions(const std::string& status,
                                                                    int limit) {
  std::string sql = std::string("SELECT ") + kExecutionColumns + " FROM execution_rows";
  if (!status.empty()) sql += " WHERE status = ?";
  sql += " ORDER BY created_ms DESC, id LIMIT ?";
  auto stmt = db_->Prepare(sql);
  if (!stmt) return Fail(stmt.error());
  int index = 1;
  if (!status.empty()) stmt->Bind(index++, status);
  stmt->Bind(index, static_cast<int64_t>(limit));
  return ReadExecutionRows(*stmt);
}

Result<std::vector<ExecutionRecord>> ExecutionStore::ListOwned(const std::string& status,
                                                               const std::string& owner,
                                                               int limit) {
  auto stmt = db_->Prepare("SELECT " + kExecutionColumns +
                           " FROM execution_rows WHERE status = ? AND owner = ? "
                           "ORDER BY created_ms, num LIMIT ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, status).Bind(2, owner).Bind(3, static_cast<int64_t>(limit));
  return ReadExecutionRows(*stmt);
}

Result<std::vector<ExecutionRecord>> ExecutionStore::RunningChildren(const std::string& parent_id) {
  auto stmt = db_->Prepare(std::string("SELECT ") + kExecutionColumns +
                           " FROM execution_rows WHERE parent_id = ? AND status IN ('PENDING', "
                           "'RUNNING')");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, parent_id);
  return ReadExecutionRows(*stmt);
}

Result<std::vector<HistoryRow>> ExecutionStore::History(const ExecutionRecord& execution) {
  auto stmt = db_->Prepare(
      "SELECT key & 4294967295, type, state, time_ms, details FROM events "
      "WHERE key >= ? AND key < ? ORDER BY key");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, EventKey(execution.num, 0)).Bind(2, EventKey(execution.num + 1, 0));
  std::vector<HistoryRow> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({stmt->Int(0), stmt->Text(1), stmt->Text(2), stmt->Int(3), stmt->Text(4)});
  }
  return out;
}

Result<std::vector<InputRecord>> ExecutionStore::Inputs(const std::string& id) {
  auto stmt = db_->Prepare(
      "SELECT seq, kind, ref, payload, time_ms FROM inputs WHERE execution_id = ? ORDER BY seq");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, id);
  std::vector<InputRecord> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({stmt->Int(0), stmt->Text(1), stmt->Int(2), stmt->Text(3), stmt->Int(4)});
  }
  return out;
}

Result<int64_t> ExecutionStore::NextInputSeq(const std::string& id) {
  auto stmt = db_->Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM inputs WHERE execution_id = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, id);
  auto row = stmt->Step();
  if (!row) return Fail(row.error());
  return stmt->Int(0);
}

Result<std::vector<TaskRecord>> ExecutionStore::OpenTasks(const std::string& id) {
  auto stmt = db_->Prepare(
      "SELECT execution_id, task_id, state, resource, request, status, job_id FROM tasks "
      "WHERE execution_id = ? AND status IN ('pending', 'running', 'cancelling') ORDER BY task_id");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, id);
  std::vector<TaskRecord> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({stmt->Text(0), stmt->Int(1), stmt->Text(2), stmt->Text(3), stmt->Text(4),
                   stmt->Text(5), stmt->Text(6)});
  }
  return out;
}

Result<std::vector<TimerRecord>> ExecutionStore::Timers(const std::string& id) {
  auto stmt = db_->Prepare(
      "SELECT execution_id, timer_id, fire_ms FROM timers WHERE execution_id = ? ORDER BY fire_ms");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, id);
  std::vector<TimerRecord> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({stmt->Text(0), stmt->Int(1), stmt->Int(2)});
  }
  return out;
}

Status ExecutionStore::Commit(const Decision& decision) {
  if (auto s = db_->Begin(); !s) return s;
  auto status = CommitLocked(decision);
  if (!status) {
    db_->Rollback();
    return status;
  }
  return db_->Commit();
}

Status ExecutionStore::PrepareCommitStatements() {
  if (insert_input_) return {};
  struct {
    std::optional<Statement>* slot;
    const char* sql;
  } statements[] = {
      {&insert_input_,
       "INSERT INTO inputs(execution_id, seq, kind, ref, payload, time_ms) VALUES(?,?,?,?,?,?)"},
      {&insert_event_, "INSERT INTO events(key, type, state, time_ms, details) VALUES(?,?,?,?,?)"},
      {&insert_task_,
       "INSERT OR REPLACE INTO tasks(execution_id, task_id, state, resource, request, status) "
       "VALUES(?,?,?,?,?,'pending')"},
      {&cancel_task_,
       "UPDATE tasks SET status = CASE status WHEN 'pending' THEN 'cancelled' "
       "ELSE 'cancelling' END WHERE execution_id = ? AND task_id = ? "
       "AND status IN ('pending', 'running')"},
      {&insert_timer_,
       "INSERT OR REPLACE INTO timers(execution_id, timer_id, fire_ms) VALUES(?,?,?)"},
      {&delete_timer_, "DELETE FROM timers WHERE execution_id = ? AND timer_id = ?"},
      {&complete_task_,
       "UPDATE tasks SET status = ?, job_open = CASE ? WHEN 1 THEN 0 ELSE job_open END "
       "WHERE execution_id = ? AND task_id = ?"},
      {&update_execution_,
       "UPDATE executions SET status = ?, error = ?, cause = ?, "
       "stop_ms = ?, transitions = ?, start_ms = CASE start_ms WHEN 0 THEN ? ELSE start_ms END "
       "WHERE id = ?"},
      {&set_output_,
       "UPDATE execution_texts SET output = ? "
       "WHERE num = (SELECT rowid FROM executions WHERE id = ?)"},
      {&delete_timers_, "DELETE FROM timers WHERE execution_id = ?"},
  };
  for (auto& [slot, sql] : statements) {
    auto stmt = db_->Prepare(sql);
    if (!stmt) {
      insert_input_.reset();  // prepared again next time
      return Fail(stmt.error());
    }
    slot->emplace(std::move(*stmt));
  }
  return {};
}

Status ExecutionStore::CommitLocked(const Decision& d) {
  const std::string& id = d.execution_id;
  if (auto s = PrepareCommitStatements(); !s) return s;
  if (!d.input.kind.empty()) {
    insert_input_->Bind(1, id)
        .Bind(2, d.input.seq)
        .Bind(3, d.input.kind)
        .Bind(4, d.input.ref)
        .Bind(5, d.input.payload)
        .Bind(6, d.input.time_ms);
    if (auto s = insert_input_->Run(); !s) return s;
  }
  if (d.record_history) {
    for (const auto& e : d.events) {
      insert_event_->Bind(1, EventKey(d.execution_num, e.id))
          .Bind(2, e.type)
          .Bind(3, e.state_name)
          .Bind(4, e.time)
          .Bind(5, e.details);
      if (auto s = insert_event_->Run(); !s) return s;
    }
  }
  if (d.effects) {
    for (const auto& t : d.effects->start_tasks) {
      insert_task_->Bind(1, id)
          .Bind(2, static_cast<int64_t>(t.task_id))
          .Bind(3, t.state_name)
          .Bind(4, t.resource)
          .Bind(5, DumpJson(TaskRequestToJson(t)));
      if (auto s = insert_task_->Run(); !s) return s;
    }
    for (uint64_t task : d.effects->cancel_tasks) {
      cancel_task_->Bind(1, id).Bind(2, static_cast<int64_t>(task));
      if (auto s = cancel_task_->Run(); !s) return s;
    }
    for (const auto& t : d.effects->start_timers) {
      insert_timer_->Bind(1, id).Bind(2, static_cast<int64_t>(t.timer_id)).Bind(3, t.fire_at);
      if (auto s = insert_timer_->Run(); !s) return s;
    }
    for (uint64_t timer : d.effects->cancel_timers) {
      delete_timer_->Bind(1, id).Bind(2, static_cast<int64_t>(timer));
      if (auto s = delete_timer_->Run(); !s) return s;
    }
  }
  if (d.input.kind == "timer") {
    delete_timer_->Bind(1, id).Bind(2, d.input.ref);
    if (auto s = delete_timer_->Run(); !s) return s;
  }
  if (d.completed_task != 0) {
    complete_task_->Bind(1, d.completed_status)
        .Bind(2, int64_t{d.completed_job_ended ? 1 : 0})
        .Bind(3, id)
        .Bind(4, d.completed_task);
    if (auto s = complete_task_->Run(); !s) return s;
  }
  update_execution_->Bind(1, d.status)
      .Bind(2, d.error)
      .Bind(3, d.cause)
      .Bind(4, d.stop_ms)
      .Bind(5, d.transitions)
      .Bind(6, d.input.time_ms)
      .Bind(7, id);
  if (auto s = update_execution_->Run(); !s) return s;
  if (d.output) {
    set_output_->Bind(1, d.output).Bind(2, id);
    if (auto s = set_output_->Run(); !s) return s;
  }
  if (d.redrive) {
    auto stmt = db_->Prepare(
        "UPDATE executions SET redrive_count = redrive_count + 1, redrive_ms = ? WHERE id = ?");
    if (!stmt) return Fail(stmt.error());
    stmt->Bind(1, d.input.time_ms).Bind(2, id);
    if (auto s = stmt->Run(); !s) return s;
  }
  if (d.status != "RUNNING") {
    // A finished execution needs no timers; its open tasks were cancelled.
    delete_timers_->Bind(1, id);
    if (auto s = delete_timers_->Run(); !s) return s;
  }
  return {};
}

Result<RedriveBasis> ExecutionStore::GetRedriveBasis(const ExecutionRecord& execution) {
  RedriveBasis basis;
  auto last = db_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM inputs WHERE execution_id = ?");
  if (!last) return Fail(last.error());
  last->Bind(1, execution.id);
  if (auto row = last->Step(); !row) return Fail(row.error());
  basis.last_input_seq = last->Int(0);
  auto events = db_->Prepare("SELECT COALESCE(MAX(key), ?) FROM events WHERE key >= ? AND key < ?");
  if (!events) return Fail(events.error());
  const int64_t first_key = EventKey(execution.num, 0);
  events->Bind(1, first_key).Bind(2, first_key).Bind(3, EventKey(execution.num + 1, 0));
  if (auto row = events->Step(); !row) return Fail(row.error());
  basis.last_event_id = events->Int(0) - first_key;
  auto tasks = db_->Prepare(
      "SELECT COALESCE(MAX(task_id), 0), COALESCE(SUM(status = 'cancelling'), 0) FROM tasks "
      "WHERE execution_id = ?");
  if (!tasks) return Fail(tasks.error());
  tasks->Bind(1, execution.id);
  if (auto row = tasks->Step(); !row) return Fail(row.error());
  basis.last_task_id = tasks->Int(0);
  basis.cancelling_tasks = tasks->Int(1);
  return basis;
}

Status ExecutionStore::SetTaskStatus(const std::string& execution_id, int64_t task_id,
                                     const std::string& status, const std::string& job_id) {
  auto stmt = db_->Prepare(
      "UPDATE tasks SET status = ?, job_id = CASE ? WHEN '' THEN job_id ELSE ? END "
      "WHERE execution_id = ? AND task_id = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, status).Bind(2, job_id).Bind(3, job_id).Bind(4, execution_id).Bind(5, task_id);
  return stmt->Run();
}

Status ExecutionStore::RecordJobs(const std::string& execution_id,
                                  const std::vector<std::pair<int64_t, std::string>>& tasks) {
  if (tasks.empty()) return {};
  if (auto s = db_->Begin(); !s) return s;
  auto stmt = db_->Prepare(
      "UPDATE tasks SET job_id = ?, job_open = 1, "
      "status = CASE status WHEN 'pending' THEN 'running' ELSE status END "
      "WHERE execution_id = ? AND task_id = ?");
  if (!stmt) {
    db_->Rollback();
    return Fail(stmt.error());
  }
  for (const auto& [task_id, handle] : tasks) {
    stmt->Bind(1, handle).Bind(2, execution_id).Bind(3, task_id);
    if (auto s = stmt->Run(); !s) {
      db_->Rollback();
      return s;
    }
  }
  return db_->Commit();
}

Status ExecutionStore::CloseJob(const std::string& execution_id, int64_t task_id) {
  auto stmt = db_->Prepare("UPDATE tasks SET job_open = 0 WHERE execution_id = ? AND task_id = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, execution_id).Bind(2, task_id);
  return stmt->Run();
}

Result<std::vector<LiveJobRecord>> ExecutionStore::LiveJobs(const std::string& owner) {
  auto stmt = db_->Prepare(
      "SELECT t.execution_id, t.task_id, t.state, t.resource, t.request, t.status, t.job_id, "
      "e.backend, e.status FROM tasks t JOIN executions e ON e.id = t.execution_id "
      "WHERE t.job_open = 1 AND e.owner = ? ORDER BY t.execution_id, t.task_id");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, owner);
  std::vector<LiveJobRecord> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({TaskRecord{stmt->Text(0), stmt->Int(1), stmt->Text(2), stmt->Text(3),
                              stmt->Text(4), stmt->Text(5), stmt->Text(6)},
                   stmt->Text(7), stmt->Text(8)});
  }
  return out;
}

Status ExecutionStore::SetOwner(const std::string& execution_id, const std::string& owner) {
  auto stmt = db_->Prepare("UPDATE executions SET owner = ? WHERE id = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, owner).Bind(2, execution_id);
  return stmt->Run();
}

Result<std::vector<ExecutionRecord>> ExecutionStore::ListRunOwned() {
  auto stmt = db_->Prepare("SELECT " + kExecutionColumns +
                           " FROM execution_rows WHERE status IN ('PENDING', 'RUNNING') AND owner "
                           "LIKE 'run:%' ORDER BY created_ms, num");
  if (!stmt) return Fail(stmt.error());
  return ReadExecutionRows(*stmt);
}

namespace {

// An execution ended outside the interpreter (quarantine, a lost run).
Decision EndedOutside(const std::string& execution_id, const std::string& status,
                      const std::string& error, const std::string& cause) {
  Decision d;
  d.execution_id = execution_id;
  d.status = status;
  d.error = error;
  d.cause = cause;
  d.stop_ms = NowMs();
  return d;
}

}  // namespace

Status ExecutionStore::FailExecution(const std::string& execution_id, const std::string& error,
                                     const std::string& cause) {
  return Commit(EndedOutside(execution_id, "FAILED", error, cause));
}

Status ExecutionStore::AbortExecution(const std::string& execution_id, const std::string& error,
                                      const std::string& cause) {
  // Tasks first: should the process die between the two, the execution is
  // still RUNNING and is aborted again (both steps are idempotent).
  auto stmt = db_->Prepare(
      "UPDATE tasks SET status = CASE status WHEN 'pending' THEN 'cancelled' "
      "ELSE 'cancelling' END WHERE execution_id = ? AND status IN ('pending', 'running')");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, execution_id);
  if (auto s = stmt->Run(); !s) return s;
  return Commit(EndedOutside(execution_id, "ABORTED", error, cause));
}

Result<std::optional<ExecutionRecord>> ExecutionStore::FindNamed(const ExecutionRecord& like) {
  auto stmt =
      db_->Prepare(std::string("SELECT ") + kExecutionColumns +
                   " FROM execution_rows WHERE name = ? AND state_machine = ? AND "
                   "(state_machine <> '' OR workflow = ?) ORDER BY created_ms DESC LIMIT 1");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, like.name).Bind(2, like.state_machine).Bind(3, like.workflow);
  auto row = stmt->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<ExecutionRecord>();
  return std::optional<ExecutionRecord>(ReadExecutionRow(*stmt));
}

Status ExecutionStore::PutStateMachine(const StateMachineRecord& m) {
  auto stmt = db_->Prepare(
      "INSERT INTO state_machines(name, workflow, definition, type, created_ms, updated_ms) "
      "VALUES(?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET workflow = excluded.workflow, "
      "definition = excluded.definition, type = excluded.type, updated_ms = excluded.updated_ms");
  if (!stmt) return Fail(stmt.error());
  int64_t now = NowMs();
  stmt->Bind(1, m.name)
      .Bind(2, m.workflow)
      .Bind(3, m.definition)
      .Bind(4, m.type)
      .Bind(5, m.created_ms ? m.created_ms : now)
      .Bind(6, m.updated_ms ? m.updated_ms : now);
  return stmt->Run();
}

namespace {

constexpr char kStateMachineColumns[] =
    "name, workflow, definition, type, created_ms, updated_ms FROM state_machines";

StateMachineRecord ReadStateMachineRow(const Statement& row) {
  return StateMachineRecord{row.Text(0), row.Text(1), row.Text(2),
                            row.Text(3), row.Int(4),  row.Int(5)};
}

}  // namespace

Result<std::optional<StateMachineRecord>> ExecutionStore::GetStateMachine(const std::string& name) {
  auto stmt = db_->Prepare(std::string("SELECT ") + kStateMachineColumns + " WHERE name = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, name);
  auto row = stmt->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<StateMachineRecord>();
  return std::optional<StateMachineRecord>(ReadStateMachineRow(*stmt));
}

Result<std::vector<StateMachineRecord>> ExecutionStore::ListStateMachines() {
  auto stmt = db_->Prepare(std::string("SELECT ") + kStateMachineColumns + " ORDER BY name");
  if (!stmt) return Fail(stmt.error());
  std::vector<StateMachineRecord> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadStateMachineRow(*stmt));
  }
  return out;
}

Result<std::optional<TaskRecord>> ExecutionStore::GetTask(const std::string& execution_id,
                                                          int64_t task_id) {
  auto stmt = db_->Prepare(
      "SELECT execution_id, task_id, state, resource, request, status, job_id FROM tasks "
      "WHERE execution_id = ? AND task_id = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, execution_id).Bind(2, task_id);
  auto row = stmt->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<TaskRecord>();
  return std::optional<TaskRecord>(TaskRecord{stmt->Text(0), stmt->Int(1), stmt->Text(2),
                                              stmt->Text(3), stmt->Text(4), stmt->Text(5),
                                              stmt->Text(6)});
}

Status ExecutionStore::SetCommandCounts(const std::string& execution_id,
                                        const std::string& counts) {
  auto stmt = db_->Prepare("UPDATE executions SET commands = ? WHERE id = ?");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, counts).Bind(2, execution_id);
  return stmt->Run();
}

Status ExecutionStore::AddRequest(const std::string& execution_id, const std::string& kind,
                                  const std::string& payload) {
  auto stmt = db_->Prepare("INSERT INTO requests(execution_id, kind, payload) VALUES(?,?,?)");
  if (!stmt) return Fail(stmt.error());
  stmt->Bind(1, execution_id).Bind(2, kind).Bind(3, payload);
  return stmt->Run();
}

Result<std::vector<Request>> ExecutionStore::TakeRequests(const std::string& owner) {
  // Most polls find nothing: check without taking the write lock.
  {
    auto any = db_->Prepare("SELECT EXISTS(SELECT 1 FROM requests)");
    if (!any) return Fail(any.error());
    auto row = any->Step();
    if (!row) return Fail(row.error());
    if (any->Int(0) == 0) return std::vector<Request>();
  }
  if (auto s = db_->Begin(); !s) return Fail(s.error());
  auto stmt = db_->Prepare(
      "SELECT r.id, r.execution_id, r.kind, r.payload FROM requests r "
      "JOIN executions e ON e.id = r.execution_id WHERE e.owner = ? ORDER BY r.id");
  if (!stmt) {
    db_->Rollback();
    return Fail(stmt.error());
  }
  stmt->Bind(1, owner);
  std::vector<Request> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) {
      db_->Rollback();
      return Fail(row.error());
    }
    if (!*row) break;
    out.push_back({stmt->Int(0), stmt->Text(1), stmt->Text(2), stmt->Text(3)});
  }
  stmt->Reset();
  auto del = db_->Prepare("DELETE FROM requests WHERE id = ?");
  if (!del) {
    db_->Rollback();
    return Fail(del.error());
  }
  for (const auto& r : out) {
    del->Bind(1, r.id);
    if (auto s = del->Run(); !s) {
      db_->Rollback();
      return Fail(s.error());
    }
  }
  // Requests for executions that no longer exist are dropped.
  if (auto s = db_->Exec("DELETE FROM requests WHERE execution_id NOT IN (SELECT id FROM "
                         "executions)");
      !s) {
    db_->Rollback();
    return Fail(s.error());
  }
  if (auto s = db_->Commit(); !s) return Fail(s.error());
  return out;
}

}  // namespace hpcflow::orchestrator
