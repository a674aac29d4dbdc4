#include "orchestrator/runtime/replay.h"

#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/runtime/state_machine_ref.h"

namespace hpcflow::orchestrator {

std::unique_ptr<workflows::Interpreter> MakeExecutionInterpreter(const ExecutionRecord& record,
                                                                 const LoadedWorkflow& workflow,
                                                                 InterpreterHooks hooks) {
  workflows::ExecutionInfo info;
  info.id = record.id;
  info.name = record.name;
  // A registered workflow runs under its registered name; a file, under
  // its stem.
  info.state_machine_name = record.state_machine.empty() ? workflow.name : record.state_machine;
  info.state_machine_id = StateMachineId(info.state_machine_name);
  info.random_seed = static_cast<uint64_t>(record.seed);
  workflows::Interpreter::Options options;
  options.max_payload_bytes = static_cast<size_t>(record.payload_limit);
  options.max_transitions_per_step = kTransitionsPerStep;
  options.make_task_token = std::move(hooks.make_task_token);
  options.host_throttles = std::move(hooks.host_throttles);
  options.on_event = std::move(hooks.on_event);
  return std::make_unique<workflows::Interpreter>(workflow.definition, std::move(info),
                                                  std::move(options));
}

TokenClaims TaskTokenClaims(const std::string& execution_id, const workflows::TaskRequest& task) {
  TokenClaims claims;
  claims.execution_id = execution_id;
  claims.state = task.state_name;
  claims.task_id = task.task_id;
  claims.attempt = task.attempt;
  claims.item = task.map_item_index;
  return claims;
}

Json InputValue(const InputRecord& input) {
  auto payload = ParseJson(input.payload.empty() ? "null" : input.payload);
  return payload ? std::move(*payload) : Json();
}

std::set<int64_t> RedrivenInputs(const std::vector<InputRecord>& inputs) {
  std::set<int64_t> out;
  for (const auto& in : inputs) {
    if (in.kind == "redrive") out.insert(in.ref);
  }
  return out;
}

Json RedrivePayload(const workflows::RedriveRequest& request) {
  return {{"count", request.count},
          {"next_event", request.next_event_id},
          {"next_task", request.next_task_id}};
}

namespace {

workflows::RedriveRequest RedriveRequestFrom(const Json& payload) {
  workflows::RedriveRequest request;
  if (!payload.is_object()) return request;
  request.count = payload.value("count", int64_t{1});
  request.next_event_id = payload.value("next_event", int64_t{0});
  request.next_task_id = payload.value("next_task", uint64_t{0});
  return request;
}

}  // namespace

workflows::Effects FeedInput(workflows::Interpreter& interpreter, const InputRecord& input,
                             Json value) {
  const auto ref = static_cast<uint64_t>(input.ref);
  const int64_t now = input.time_ms;
  if (input.kind == "start") return interpreter.Start(std::move(value), now);
  if (input.kind == "task_succeeded")
    return interpreter.OnTaskSucceeded(ref, std::move(value), now);
  if (input.kind == "task_failed")
    return interpreter.OnTaskFailed(ref, ErrorFromPayload(value), now);
  if (input.kind == "heartbeat") return interpreter.OnTaskHeartbeat(ref, now);
  if (input.kind == "task_queued") return interpreter.OnTaskQueued(ref, now);
  if (input.kind == "task_started") return interpreter.OnTaskStarted(ref, now);
  if (input.kind == "timer") return interpreter.OnTimerFired(ref, now);
  if (input.kind == "stop") return interpreter.Stop(ErrorFromPayload(value), now);
  if (input.kind == "continue") return interpreter.Continue(now);
  if (input.kind == "redrive") return interpreter.Redrive(RedriveRequestFrom(value), now);
  return {};
}

}  // namespace hpcflow::orchestrator
