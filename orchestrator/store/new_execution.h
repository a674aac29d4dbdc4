// The one way an execution record is made, whoever starts it: `run`,
// `submit` (through the server or straight into the store), the control
// API, a parent workflow's child, and the embedding Engine.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_NEW_EXECUTION_H_
#define HPCFLOW_ORCHESTRATOR_STORE_NEW_EXECUTION_H_

#include <cstdint>
#include <string>

#include "orchestrator/store/execution_store.h"

namespace hpcflow::orchestrator {

struct NewExecution {
  std::string id;    // empty: a new UUID
  std::string name;  // empty: the id
  std::string workflow;
  std::string definition;
  std::string input = "{}";  // JSON text, stored as it is
  std::string backend = "local";
  bool express = false;
  int64_t payload_limit = 0;
  std::string workdir;
  std::string owner;  // "" for the server's
  uint64_t seed = 0;  // 0: a random one
  std::string parent_id;
  int64_t parent_task = 0;
  std::string parent_mode;
  std::string state_machine;  // the registered name it runs, "" for a file
};

// A PENDING record, created now.
ExecutionRecord NewExecutionRecord(NewExecution spec);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_NEW_EXECUTION_H_
