// `hpcflow run` without --express: the server's durable runtime, in this
// process, for one execution. The execution is recorded in the state
// directory (so status, history and list show it) and owned by this process:
// a server on the same directory leaves it alone.
#ifndef HPCFLOW_ORCHESTRATOR_DURABLE_RUN_H_
#define HPCFLOW_ORCHESTRATOR_DURABLE_RUN_H_

#include <string>

#include "common/json.h"
#include "orchestrator/memory_runner.h"

namespace hpcflow::orchestrator {

// Runs the workflow file to its end. Errors: the store (the workflow must
// already be valid).
Result<RunResult> RunDurably(const std::string& workflow_path, const std::string& state_dir,
                             const Json& input, uint64_t seed, int64_t payload_limit);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_DURABLE_RUN_H_
