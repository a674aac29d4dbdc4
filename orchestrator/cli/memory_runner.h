// Runs one execution in this process, to its end, with a real clock:
// timers sleep, Task states run as local processes. This is `hpcflow run`.
#ifndef HPCFLOW_ORCHESTRATOR_CLI_MEMORY_RUNNER_H_
#define HPCFLOW_ORCHESTRATOR_CLI_MEMORY_RUNNER_H_

#include <memory>
#include <string>

#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

struct RunOptions {
  std::string state_machine_name = "workflow";
  std::string run_dir;  // where job files go; empty: no jobs can run
  uint64_t random_seed = 0;
  size_t max_payload_bytes = 0;  // 0: no limit (see Interpreter::Options)
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

RunResult RunInMemory(std::shared_ptr<const workflows::Definition> definition, Json input,
                      const RunOptions& options);

// {"status":"SUCCEEDED","output":...} or {"status":"FAILED","error":...,"cause":...},
// serialised straight from the result (a large output is not copied).
std::string RunResultToJsonText(const RunResult& result);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_MEMORY_RUNNER_H_
