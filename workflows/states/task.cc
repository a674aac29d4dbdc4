// Task: asks the host to run a job (or a child workflow) and waits for it.
#include <nlohmann/json.hpp>

#include "workflows/interpreter_env.h"
#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

void ParseTaskFields(StateParser& p, State& s) {
  auto resource = p.String("Resource");
  if (!resource) {
    if (!p.Get("Resource")) p.diags().Add(p.pointer(), "a Task state needs Resource");
    return;
  }
  if (resource->empty()) p.Error("Resource", "Resource must not be empty");
  s.resource = *resource;
  s.timeout_seconds = p.NumberOrPathPair("TimeoutSeconds", 1, 99999999, true);
  s.heartbeat_seconds = p.NumberOrPathPair("HeartbeatSeconds", 1, 99999999, true);
  if (s.timeout_seconds.value && s.heartbeat_seconds.value &&
      *s.heartbeat_seconds.value >= *s.timeout_seconds.value) {
    p.Error("HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds");
  }
  if (const Json* credentials = p.Get("Credentials")) s.credentials = *credentials;
}

namespace {

bool EndsWith(const std::string& text, const char* suffix) {
  std::string_view sv(suffix);
  return text.size() >= sv.size() && text.compare(text.size() - sv.size(), sv.size(), sv) == 0;
}

// Resolves TimeoutSecondsPath / HeartbeatSecondsPath to a positive integer.
Result<std::optional<double>> ResolveSeconds(const NumberOrPath& field, const PathEnv& env,
                                             const char* name) {
  if (field.value) return std::optional<double>(*field.value);
  if (!field.path) return std::optional<double>();
  auto value = ResolveFieldPath(*field.path, env);
  if (!value) return Fail(value.error());
  if (!value->is_number_integer() || value->get<int64_t>() <= 0) {
    return Fail("States.Runtime", std::string("The ") + name + " field refers to value " +
                                      DumpJson(*value) +
                                      " which is not a positive integer: " + field.path->text());
  }
  return std::optional<double>(value->get<double>());
}

}  // namespace

Step Interpreter::Impl::RunTask(int sid) {
  auto input = EffectiveInput(sid, false);
  if (!input) return FailState(sid, RuntimeError(sid, input.error().cause));
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  TaskRequest request;
  request.task_id = next_task_id_++;
  request.state_name = st.name;
  request.resource = st.resource;
  request.attempt = s.retry_count;
  request.map_item_index = s.map_item_index;
  if (s.run >= 0 && run(s.run).throttle_group != 0) {
    request.throttle_group = run(s.run).throttle_group;
    request.throttle_limit = run(s.run).throttle_limit;
  }
  Env env(*this, sid, *input);
  if (EndsWith(st.resource, ".waitForTaskToken")) {
    request.task_token = MakeTaskToken(request);
    env.SetTaskToken(request.task_token);
  }
  // AWS resolves the timeouts before it evaluates Parameters.
  auto timeout = ResolveSeconds(st.timeout_seconds, env, "TimeoutSecondsPath");
  if (!timeout) return FailState(sid, RuntimeError(sid, timeout.error().cause));
  auto heartbeat = ResolveSeconds(st.heartbeat_seconds, env, "HeartbeatSecondsPath");
  if (!heartbeat) return FailState(sid, RuntimeError(sid, heartbeat.error().cause));
  if (st.parameters) {
    auto params = st.parameters->Evaluate(env, random());
    if (!params) return FailState(sid, RuntimeError(sid, params.error().cause));
    request.parameters = std::move(*params);
  } else {
    request.parameters = std::move(*input);
  }
  // AWS's default task timeout (DESIGN §5); no timer is needed for it.
  request.timeout_seconds = timeout->value_or(kDefaultTaskTimeoutSeconds);
  request.heartbeat_seconds = *heartbeat;
  s.timeout_seconds = *timeout;
  s.task_started = false;
  s.task_queued = false;
  if (*timeout) {
    s.timeout_timer = StartTimer(sid, TimerKind::kTaskTimeout, AddSeconds(now_, **timeout));
  }
  s.heartbeat_seconds = *heartbeat;
  if (*heartbeat) {
    s.heartbeat_timer = StartTimer(sid, TimerKind::kHeartbeat, AddSeconds(now_, **heartbeat));
  }
  Json details;
  if (has_event_listener()) {
    details = {{"resource", st.resource}, {"parameters", request.parameters}};
  }
  Emit("TaskScheduled", st.name, &details);
  s.task = request.task_id;
  tasks_[request.task_id] = TaskTarget{sid, s.generation};
  effects_.start_tasks.push_back(std::move(request));
  return Step::kBlocked;
}

void Interpreter::Impl::FinishTask(int sid, bool ok, Json output, AslError error) {
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  CancelTimer(s.timeout_timer);
  CancelTimer(s.heartbeat_timer);
  CancelTask(s.task);
  Step step;
  if (ok) {
    EmitWith("TaskSucceeded", st.name, "output", output);
    step = Complete(sid, std::move(output), true);
  } else {
    Json details;
    if (has_event_listener()) {
      details = {{"error", error.name}};
      if (error.cause) details["cause"] = *error.cause;
    }
    Emit(error.name == "States.Timeout" ? "TaskTimedOut" : "TaskFailed", st.name, &details);
    step = FailState(sid, std::move(error));
  }
  if (step == Step::kContinue) PushAdvance(sid);
}

}  // namespace hpcflow::workflows
