// The values the Engine and the Client exchange: what to start, what an
// execution is, and the events of its history. Plain structs: JSON travels
// as text (parse it with the JSON library of your choice), so this header
// needs nothing beyond the standard library.
#ifndef HPCFLOW_EXECUTION_H_
#define HPCFLOW_EXECUTION_H_

#include <cstdint>
#include <optional>
#include <string>

namespace hpcflow {

// What to start. Give the workflow as a file, or as text.
struct StartRequest {
  // A workflow file (JSON or YAML). Child workflows it names by path are
  // found beside it, and its jobs see its directory as HPCFLOW_WORKFLOW_DIR.
  std::string definition_file;
  // The workflow's text, when there is no file (definition_file, if also
  // given, then only names it in messages and for its children).
  std::string definition;
  // Or a state machine registered in the state directory (`hpcflow register
  // NAME FILE`): its name, hpcflow:stateMachine:NAME or an AWS ARN ending in
  // stateMachine:NAME. One registered as EXPRESS runs express.
  std::string state_machine;
  // The execution's input, JSON text.
  std::string input = "{}";
  // Unique among the state directory's executions; empty: the id.
  std::string name;
  // The backend of hpcflow:::job:run tasks ("local", "mpi", "slurm");
  // empty: the engine's default.
  std::string backend;
  // Express: no history is recorded and a crash restarts the execution from
  // its input (at-least-once), as AWS Express workflows.
  bool express = false;
  // The directory jobs run in unless they name one; empty: the process's.
  std::string working_directory;
};

// An execution as the store knows it (DescribeExecution).
struct ExecutionInfo {
  std::string id;
  std::string name;
  std::string workflow;  // the file it came from, or the name given
  // PENDING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
  std::string status;
  std::string backend;
  bool express = false;
  std::string input;                  // JSON text
  std::optional<std::string> output;  // JSON text, once SUCCEEDED
  std::optional<std::string> error;   // the ASL error name, once it failed
  std::optional<std::string> cause;
  int64_t start_ms = 0;  // Unix time in milliseconds; 0 while PENDING
  int64_t stop_ms = 0;   // 0 while it runs
  int64_t transitions = 0;
  std::string parent_id;      // the execution that started it, if any
  int64_t redrive_count = 0;  // how often it was redriven (Engine::Redrive)
  int64_t redrive_ms = 0;     // its last redrive; 0 when none

  // True once the status is final (not PENDING or RUNNING).
  bool done() const { return status != "PENDING" && status != "RUNNING"; }
  bool succeeded() const { return status == "SUCCEEDED"; }
};

// One event of an execution's history, as `hpcflow history` shows it.
struct HistoryEvent {
  int64_t id = 0;           // from 1, in order
  int64_t previous_id = 0;  // the event it follows from (0: none)
  int64_t timestamp_ms = 0;
  std::string type;        // ExecutionStarted, TaskStateEntered, ...
  std::string state_name;  // empty for execution-level events
  std::string details;     // JSON text ({"input": ...}); empty when none
};

struct ListRequest {
  std::string status;  // only executions with this status; empty: all
  int limit = 100;     // newest first
};

}  // namespace hpcflow

#endif  // HPCFLOW_EXECUTION_H_
