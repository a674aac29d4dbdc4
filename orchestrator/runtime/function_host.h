// What the runtime asks of whoever serves function tasks
// (hpcflow:::function:NAME): the Engine implements it with the callables
// the embedding program registered. The runtime knows nothing of threads
// or callables; it hands over a call and is told its end.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_FUNCTION_HOST_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_FUNCTION_HOST_H_

#include <cstdint>
#include <functional>
#include <string>

#include "common/json.h"
#include "common/result.h"

namespace hpcflow::orchestrator {

struct FunctionInvocation {
  std::string function;  // NAME of hpcflow:::function:NAME
  std::string execution_id;
  uint64_t task_id = 0;
  std::string state_name;
  int attempt = 0;
  int64_t item_index = -1;
  std::string task_token;
  Json input;
  // .waitForTaskToken: what the function returns is ignored (unless it
  // fails); the task ends by its token.
  bool wait_for_token = false;
};

// The end of one call: its output, or its ASL error. Thread-safe; called
// at most once per invocation.
using FunctionDone = std::function<void(Result<Json> outcome)>;

class FunctionHost {
 public:
  virtual ~FunctionHost() = default;
  // True when `name` is served (validation and dispatch ask).
  virtual bool Has(const std::string& name) const = 0;
  // Starts the call and returns at once (on the runtime's loop thread).
  virtual void Invoke(FunctionInvocation call, FunctionDone done) = 0;
  // The task no longer waits for the call (its end will be ignored).
  virtual void Cancel(const std::string& execution_id, uint64_t task_id) = 0;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_FUNCTION_HOST_H_
