// ExecutionStore on a real SQLite database in a temporary state directory:
// an execution's large texts live apart from its row (schema 4), and a
// version-3 database is migrated in place without losing them.
#include "orchestrator/store/execution_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>

namespace hpcflow::orchestrator {
namespace {

namespace fs = std::filesystem;

class ExecutionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hpcflow-store-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static ExecutionRecord Record(const std::string& id, const std::string& input) {
    ExecutionRecord r;
    r.id = id;
    r.name = id;
    r.workflow = "/w.json";
    r.definition = R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})";
    r.input = input;
    r.status = "PENDING";
    r.created_ms = 1;
    return r;
  }

  // Runs SQL on the database with the sqlite3 library itself.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/hpcflow.db").c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string why = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << why;
  }

  std::string dir_;
};

TEST_F(ExecutionStoreTest, TextsSurviveCommitsAndAreReadBack) {
  auto store = ExecutionStore::Open(dir_);
  ASSERT_TRUE(store) << store.error().cause;
  std::string big_input = "{\"items\":[" + std::string(100000, '1') + "]}";
  ExecutionRecord record = Record("e1", big_input);
  ASSERT_TRUE((*store)->CreateExecution(record));
  EXPECT_GT(record.num, 0);
  for (int i = 0; i < 3; ++i) {
    Decision d;
    d.execution_id = "e1";
    d.execution_num = record.num;
    d.status = "RUNNING";
    d.transitions = i;
    ASSERT_TRUE((*store)->Commit(d));
  }
  Decision end;
  end.execution_id = "e1";
  end.execution_num = record.num;
  end.status = "SUCCEEDED";
  end.output = "{\"done\":true}";
  end.stop_ms = 5;
  ASSERT_TRUE((*store)->Commit(end));
  auto got = (*store)->GetExecution("e1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->input, big_input);
  EXPECT_EQ((*got)->definition, record.definition);
  EXPECT_EQ((*got)->status, "SUCCEEDED");
  EXPECT_EQ((*got)->output, "{\"done\":true}");
  auto listed = (*store)->ListExecutions("SUCCEEDED", 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].num, record.num);
  EXPECT_EQ((*listed)[0].input, big_input);
}

TEST_F(ExecutionStoreTest, AVersion3DatabaseIsMigratedWithItsTextsToVersion6) {
  {
    auto store = ExecutionStore::Open(dir_);
    ASSERT_TRUE(store) << store.error().cause;
    ExecutionRecord running = Record("old-running", "{\"a\":1}");
    ASSERT_TRUE((*store)->CreateExecution(running));
    ExecutionRecord done = Record("old-done", "{\"b\":2}");
    ASSERT_TRUE((*store)->CreateExecution(done));
    Decision d;
    d.execution_id = "old-done";
    d.status = "SUCCEEDED";
    d.output = "[1,2,3]";
    ASSERT_TRUE((*store)->Commit(d));
  }
  // Back to what version 3 kept: the texts in the executions row.
  Sql("UPDATE executions SET definition = (SELECT definition FROM execution_texts t "
      "WHERE t.num = executions.rowid), input = (SELECT input FROM execution_texts t WHERE "
      "t.num = executions.rowid), output = (SELECT output FROM execution_texts t WHERE "
      "t.num = executions.rowid);"
      "DROP VIEW execution_rows; DROP TABLE execution_texts;"
      "ALTER TABLE executions DROP COLUMN state_machine; DROP TABLE state_machines;"
      "ALTER TABLE executions DROP COLUMN redrive_count;"
      "ALTER TABLE executions DROP COLUMN redrive_ms;"
      "UPDATE meta SET value = '3' WHERE key = 'schema_version';");
  auto store = ExecutionStore::Open(dir_);
  ASSERT_TRUE(store) << store.error().cause;
  auto running = (*store)->GetExecution("old-running");
  ASSERT_TRUE(running && *running);
  EXPECT_EQ((*running)->input, "{\"a\":1}");
  EXPECT_EQ((*running)->status, "PENDING");
  auto done = (*store)->GetExecution("old-done");
  ASSERT_TRUE(done && *done);
  EXPECT_EQ((*done)->input, "{\"b\":2}");
  EXPECT_EQ((*done)->output, "[1,2,3]");
  EXPECT_NE((*done)->definition.find("StartAt"), std::string::npos);
  EXPECT_EQ((*done)->state_machine, "");  // version 5: started from a file
  EXPECT_EQ((*done)->redrive_count, 0);   // version 6: never redriven
  // Registered state machines (version 5) work on the migrated store.
  StateMachineRecord machine{"Old", "/w.json", "{}", "EXPRESS", 0, 0};
  ASSERT_TRUE((*store)->PutStateMachine(machine));
  auto registered = (*store)->GetStateMachine("Old");
  ASSERT_TRUE(registered && *registered);
  EXPECT_EQ((*registered)->type, "EXPRESS");
  // A new execution after the migration lands in the new layout too.
  ExecutionRecord fresh = Record("new", "{}");
  ASSERT_TRUE((*store)->CreateExecution(fresh));
  auto got = (*store)->GetExecution("new");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->input, "{}");
}

}  // namespace
}  // namespace hpcflow::orchestrator

namespace hpcflow::orchestrator {
namespace {

// `list` (newest first) reads an index instead of sorting every execution:
// with 100,000 executions it took 176 ms without it, 12 ms with it.
TEST_F(ExecutionStoreTest, ListingTheNewestExecutionsUsesAnIndexNotASort) {
  ASSERT_TRUE(ExecutionStore::Open(dir_));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/hpcflow.db").c_str(), &db), SQLITE_OK);
  std::string plan;
  auto collect = [](void* out, int columns, char** values, char**) {
    for (int i = 0; i < columns; ++i) *static_cast<std::string*>(out) += values[i] ? values[i] : "";
    return 0;
  };
  ASSERT_EQ(sqlite3_exec(db,
                         "EXPLAIN QUERY PLAN SELECT id FROM execution_rows "
                         "ORDER BY created_ms DESC, id LIMIT 100",
                         collect, &plan, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_NE(plan.find("executions_by_created"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

// A redrive starts from the execution's last input, event and task, and
// counts itself in the same commit that records its input.
TEST_F(ExecutionStoreTest, ARedriveCommitCountsItselfAndTheBasisNamesWhereItStarts) {
  auto store = ExecutionStore::Open(dir_);
  ASSERT_TRUE(store) << store.error().cause;
  ExecutionRecord record = Record("r1", "{}");
  ASSERT_TRUE((*store)->CreateExecution(record));
  workflows::Effects effects;
  workflows::TaskRequest task;
  task.task_id = 7;
  task.resource = "hpcflow:::job:run.sync";
  effects.start_tasks.push_back(task);
  Decision d;
  d.execution_id = "r1";
  d.execution_num = record.num;
  d.input = {1, "start", 0, "{}", 1000};
  d.events = {{1, 0, 1000, "ExecutionStarted", "", ""}, {2, 1, 1000, "TaskScheduled", "T", ""}};
  d.effects = &effects;
  d.status = "FAILED";
  d.stop_ms = 1000;
  ASSERT_TRUE((*store)->Commit(d));
  auto basis = (*store)->GetRedriveBasis(record);
  ASSERT_TRUE(basis) << basis.error().cause;
  EXPECT_EQ(basis->last_input_seq, 1);
  EXPECT_EQ(basis->last_event_id, 2);
  EXPECT_EQ(basis->last_task_id, 7);
  EXPECT_EQ(basis->cancelling_tasks, 0);

  Decision redrive;
  redrive.execution_id = "r1";
  redrive.execution_num = record.num;
  redrive.input = {2, "redrive", 1, "{}", 5000};
  redrive.status = "RUNNING";
  redrive.redrive = true;
  ASSERT_TRUE((*store)->Commit(redrive));
  auto got = (*store)->GetExecution("r1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->status, "RUNNING");
  EXPECT_EQ((*got)->redrive_count, 1);
  EXPECT_EQ((*got)->redrive_ms, 5000);
  EXPECT_EQ((*got)->stop_ms, 0);
  EXPECT_FALSE((*got)->error.has_value());
}

// The outbox's JSON form of a task request reads back as the same request
// (recovery resubmits from it).
// The express execution of a dead `hpcflow run` cannot start again: it ends
// ABORTED, and its open tasks are marked for whoever adopts their jobs to
// cancel them (pending ones never start).
TEST_F(ExecutionStoreTest, AnAbortedExecutionsOpenTasksAreCancelled) {
  auto store = ExecutionStore::Open(dir_);
  ASSERT_TRUE(store) << store.error().cause;
  ExecutionRecord record = Record("e1", "");
  record.express = true;
  ASSERT_TRUE((*store)->CreateExecution(record));
  workflows::Effects effects;
  for (uint64_t task : {1, 2, 3}) {
    workflows::TaskRequest request;
    request.task_id = task;
    request.state_name = "Job";
    request.resource = "hpcflow:::job:run.sync";
    effects.start_tasks.push_back(request);
  }
  Decision start;
  start.execution_id = "e1";
  start.execution_num = record.num;
  start.status = "RUNNING";
  start.effects = &effects;
  ASSERT_TRUE((*store)->Commit(start));
  ASSERT_TRUE((*store)->RecordJobs("e1", {{1, "{\"name\":\"j1\"}"}}));  // 1 runs
  Decision first_done;
  first_done.execution_id = "e1";
  first_done.execution_num = record.num;
  first_done.status = "RUNNING";
  first_done.completed_task = 3;
  ASSERT_TRUE((*store)->Commit(first_done));  // 3 succeeded, 2 still pending

  ASSERT_TRUE((*store)->AbortExecution("e1", "hpcflow.RunLost", "its run died"));
  auto got = (*store)->GetExecution("e1");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->status, "ABORTED");
  EXPECT_EQ((*got)->error, "hpcflow.RunLost");
  EXPECT_EQ((*got)->cause, "its run died");
  EXPECT_GT((*got)->stop_ms, 0);
  std::map<int64_t, std::string> status;
  for (int64_t task : {1, 2, 3}) {
    auto t = (*store)->GetTask("e1", task);
    ASSERT_TRUE(t && *t);
    status[task] = (*t)->status;
  }
  EXPECT_EQ(status[1], "cancelling");  // its job is live: to be cancelled
  EXPECT_EQ(status[2], "cancelled");   // never started
  EXPECT_EQ(status[3], "succeeded");   // ended before: untouched
  auto live = (*store)->LiveJobs("");
  ASSERT_TRUE(live);
  ASSERT_EQ(live->size(), 1u);  // still watched until it ends
  EXPECT_EQ((*live)[0].task.status, "cancelling");
  // Again (a server that died half-way): the same.
  ASSERT_TRUE((*store)->AbortExecution("e1", "hpcflow.RunLost", "its run died"));
  auto again = (*store)->GetTask("e1", 1);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->status, "cancelling");
}

TEST(TaskRequestJson, RoundTripsEveryField) {
  workflows::TaskRequest r;
  r.task_id = 42;
  r.state_name = "Align";
  r.resource = "hpcflow:::job:run.waitForTaskToken";
  r.parameters = Json{{"Command", "bwa mem"}, {"Cpus", 4}};
  r.attempt = 2;
  r.map_item_index = 7;
  r.timeout_seconds = 90.5;
  r.heartbeat_seconds = 10;
  r.task_token = "token";
  r.throttle_group = 3;
  r.throttle_limit = 20;
  workflows::TaskRequest back = TaskRequestFromJson(TaskRequestToJson(r));
  EXPECT_EQ(back.task_id, r.task_id);
  EXPECT_EQ(back.state_name, r.state_name);
  EXPECT_EQ(back.resource, r.resource);
  EXPECT_EQ(back.parameters, r.parameters);
  EXPECT_EQ(back.attempt, r.attempt);
  EXPECT_EQ(back.map_item_index, r.map_item_index);
  EXPECT_EQ(back.timeout_seconds, r.timeout_seconds);
  EXPECT_EQ(back.heartbeat_seconds, r.heartbeat_seconds);
  EXPECT_EQ(back.task_token, r.task_token);
  EXPECT_EQ(back.throttle_group, r.throttle_group);
  EXPECT_EQ(back.throttle_limit, r.throttle_limit);

  workflows::TaskRequest plain = TaskRequestFromJson(TaskRequestToJson(workflows::TaskRequest{}));
  EXPECT_FALSE(plain.timeout_seconds);
  EXPECT_FALSE(plain.heartbeat_seconds);
  EXPECT_EQ(plain.map_item_index, -1);
  EXPECT_EQ(TaskRequestFromJson(Json("not an object")).task_id, 0u);
}

}  // namespace
}  // namespace hpcflow::orchestrator
