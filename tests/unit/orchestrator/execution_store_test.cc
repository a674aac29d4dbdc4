// ExecutionStore on a real SQLite database in a temporary state directory:
// an execution's large texts live apart from its row (schema 4), and a
// version-3 database is migrated in place without losing them.
#include "orchestrator/store/execution_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
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

TEST_F(ExecutionStoreTest, AVersion3DatabaseIsMigratedWithItsTexts) {
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

// The outbox's JSON form of a task request reads back as the same request
// (recovery resubmits from it).
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
