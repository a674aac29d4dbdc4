// Function tasks (hpcflow:::function:NAME): the call goes to the function
// host (the Engine's registered callables) and its end comes back as a
// completion, like a job's. The open task is recorded before the call, so
// a call in flight when the process dies is made again on recovery
// (at-least-once, docs/embedding.md).
#include "orchestrator/runtime/durable_runtime.h"

namespace hpcflow::orchestrator {

void DurableRuntime::CallFunction(const std::string& execution_id,
                                  const workflows::TaskRequest& request,
                                  const TaskResource& resource) {
  uint64_t task_id = request.task_id;
  if (options_.functions == nullptr || !options_.functions->Has(resource.action)) {
    PostCompletion({execution_id, task_id, false, Json(),
                    workflows::AslError{"hpcflow.FunctionNotRegistered",
                                        "no function '" + resource.action +
                                            "' is registered with this engine (state '" +
                                            request.state_name + "')"}});
    return;
  }
  FunctionInvocation call;
  call.function = resource.action;
  call.execution_id = execution_id;
  call.task_id = task_id;
  call.state_name = request.state_name;
  call.attempt = request.attempt;
  call.item_index = request.map_item_index;
  call.task_token = TaskToken(execution_id, request);
  call.wait_for_token = resource.wait == WaitMode::kTaskToken;
  call.input = request.parameters;
  bool wait_for_token = call.wait_for_token;
  options_.functions->Invoke(
      std::move(call), [this, execution_id, task_id, wait_for_token](Result<Json> outcome) {
        if (outcome) {
          // A token task ends by its token; the function only started it.
          if (wait_for_token) return;
          PostCompletion({execution_id, task_id, true, std::move(*outcome), {}});
        } else {
          PostCompletion({execution_id, task_id, false, Json(),
                          workflows::AslError{outcome.error().name, outcome.error().cause}});
        }
      });
}

}  // namespace hpcflow::orchestrator
