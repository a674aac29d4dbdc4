// `hpcflow run`: the durable runtime, in this process, for one execution,
// to its end. Standard and express runs, on every backend, go through it:
// jobs run through the backend's job wrapper and report their end to a
// callback endpoint of this process, opened when the first job starts.
//
// The execution is recorded in the state directory (so status, history and
// list show it) and owned by this process: a server on the same directory
// leaves it alone while the process lives and takes it over if it dies. An
// express run keeps no history and no output in the store: its output is
// handed over in memory and printed.
#ifndef HPCFLOW_ORCHESTRATOR_CLI_RUN_EXECUTION_H_
#define HPCFLOW_ORCHESTRATOR_CLI_RUN_EXECUTION_H_

#include <string>

#include "common/json.h"
#include "common/result.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

struct RunOptions {
  // The definition as read (ReadDefinition) and validated (LoadWorkflowText)
  // by the caller: neither is done again.
  DefinitionSource source;
  LoadedWorkflow workflow;
  std::string state_machine;  // the registered name it runs, "" for a file
  std::string state_dir;
  Json input;
  // The input's JSON text, when the caller has it (stored as it is);
  // empty: serialised from `input`.
  std::string input_text;
  uint64_t seed = 0;
  int64_t payload_limit = 0;  // largest state output in bytes, 0: none
  std::string backend = "local";
  bool express = false;
  // Where this process listens for its jobs' callbacks.
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 0;
};

struct RunResult {
  workflows::ExecutionStatus status = workflows::ExecutionStatus::kRunning;
  Json output;
  workflows::AslError error;
  std::string execution_id;
  int64_t transitions = 0;
  // The signal (SIGINT, SIGTERM) that interrupted `run`, or 0.
  int interrupted_by = 0;
};

// Runs the workflow file to its end. Errors: the store, the secrets, or the
// callback endpoint (the workflow must already be valid).
Result<RunResult> RunExecution(RunOptions options);

// {"status":"SUCCEEDED","output":...} or {"status":"FAILED","error":...,"cause":...},
// serialised straight from the result (a large output is not copied).
std::string RunResultToJsonText(const RunResult& result);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_RUN_EXECUTION_H_
