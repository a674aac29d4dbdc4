// `hpcflow run` (without --express on the local backend): the server's
// durable runtime, in this process, for one execution, with its own callback
// endpoint. The execution is recorded in the state directory (so status,
// history and list show it) and owned by this process: a server on the same
// directory leaves it alone.
#ifndef HPCFLOW_ORCHESTRATOR_CLI_DURABLE_RUN_H_
#define HPCFLOW_ORCHESTRATOR_CLI_DURABLE_RUN_H_

#include <string>

#include "common/json.h"
#include "orchestrator/cli/memory_runner.h"

namespace hpcflow::orchestrator {

struct DurableRunOptions {
  std::string workflow_path;
  std::string state_dir;
  Json input;
  // The input's JSON text, when the caller has it (stored as it is);
  // empty: serialised from `input`.
  std::string input_text;
  uint64_t seed = 0;
  int64_t payload_limit = 0;
  std::string backend = "local";
  bool express = false;
  // Where this process listens for its jobs' callbacks.
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 0;
};

// Runs the workflow file to its end. Errors: the store, the secrets, or the
// callback endpoint (the workflow must already be valid).
Result<RunResult> RunDurably(DurableRunOptions options);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_DURABLE_RUN_H_
