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
