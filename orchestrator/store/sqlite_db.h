// A thin RAII adapter over SQLite: the only file that talks to the C API.
//
// Errors come back as Result values with SQLite's message; nothing throws.
// Statements are prepared once and reused, which matters for the durable
// history's insert rate.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_SQLITE_DB_H_
#define HPCFLOW_ORCHESTRATOR_STORE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hpcflow::orchestrator {

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::string>& value);

  // Runs a statement that returns no rows (resets it afterwards).
  Status Run();
  // Steps to the next row: true with a row, false when done. Errors are values.
  Result<bool> Step();
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_;
  sqlite3* db_ = nullptr;
};

class Database {
 public:
  // Opens (creating if needed) the database file. Errors: the file cannot be
  // opened or is not a database, or is locked beyond `busy_timeout_ms`.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, int busy_timeout_ms);
  ~Database();

  Status Exec(const std::string& sql);
  Result<Statement> Prepare(const std::string& sql);
  Status Begin();  // BEGIN IMMEDIATE: takes the write lock up front
  Status Commit();
  void Rollback();
  std::string LastError() const;
  int64_t LastInsertRowid() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_SQLITE_DB_H_
