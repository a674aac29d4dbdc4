#include "workflows/interpreter.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflows/interpreter_env.h"
#include "workflows/interpreter_impl.h"
#include "workflows/timestamp.h"

namespace hpcflow::workflows {

const char* ExecutionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kRunning:
      return "RUNNING";
    case ExecutionStatus::kSucceeded:
      return "SUCCEEDED";
    case ExecutionStatus::kFailed:
      return "FAILED";
    case ExecutionStatus::kTimedOut:
      return "TIMED_OUT";
    case ExecutionStatus::kAborted:
      return "ABORTED";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Public facade.

Interpreter::Interpreter(std::shared_ptr<const Definition> definition, ExecutionInfo info,
                         Options options)
    : impl_(std::make_unique<Impl>(std::move(definition), std::move(info), std::move(options))) {}
Interpreter::~Interpreter() = default;
Effects Interpreter::Start(Json input, TimeMs now) { return impl_->Start(std::move(input), now); }
Effects Interpreter::OnTaskSucceeded(uint64_t task_id, Json output, TimeMs now) {
  return impl_->OnTaskSucceeded(task_id, std::move(output), now);
}
Effects Interpreter::OnTaskFailed(uint64_t task_id, AslError error, TimeMs now) {
  return impl_->OnTaskFailed(task_id, std::move(error), now);
}
Effects Interpreter::OnTaskHeartbeat(uint64_t task_id, TimeMs now) {
  return impl_->OnTaskHeartbeat(task_id, now);
}
Effects Interpreter::OnTaskQueued(uint64_t task_id, TimeMs now) {
  return impl_->OnTaskQueued(task_id, now);
}
Effects Interpreter::OnTaskStarted(uint64_t task_id, TimeMs now) {
  return impl_->OnTaskStarted(task_id, now);
}
Effects Interpreter::OnTimerFired(uint64_t timer_id, TimeMs now) {
  return impl_->OnTimerFired(timer_id, now);
}
Effects Interpreter::Continue(TimeMs now) { return impl_->Continue(now); }
Effects Interpreter::Stop(AslError error, TimeMs now) { return impl_->Stop(std::move(error), now); }
Effects Interpreter::Redrive(const RedriveRequest& request, TimeMs now) {
  return impl_->Redrive(request, now);
}
ExecutionStatus Interpreter::status() const { return impl_->status_; }
const Json& Interpreter::output() const { return impl_->output_; }
Json Interpreter::TakeOutput() { return std::move(impl_->output_); }
const AslError& Interpreter::error() const { return impl_->error_; }
int64_t Interpreter::transitions() const { return impl_->transitions_; }
std::vector<uint64_t> Interpreter::RunningTasks() const {
  std::vector<uint64_t> ids;
  for (const auto& [id, target] : impl_->tasks_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// ---------------------------------------------------------------------------
// Construction and entry points.

Interpreter::Impl::Impl(std::shared_ptr<const Definition> definition, ExecutionInfo info,
                        Options options)
    : definition_(std::move(definition)),
      info_(std::move(info)),
      options_(std::move(options)),
      rng_(info_.random_seed),
      random_(info_.random_seed ^ 0x9e3779b97f4a7c15ULL) {}

std::string Interpreter::Impl::MakeTaskToken(const TaskRequest& request) const {
  if (options_.make_task_token) return options_.make_task_token(request);
  return info_.id + "/" + std::to_string(request.task_id);
}

namespace {

// Drops what one decision both started and cancelled (a Parallel branch
// starts a job, then a sibling branch fails at once): hosts apply an
// Effects' lists in any order, and cancelling before starting would run a
// job nobody waits for. Ids only grow, so any cancelled id at or above the
// first id started in this decision was started in it.
template <typename Start>
void DropStartedAndCancelled(std::vector<Start>& starts, std::vector<uint64_t>& cancels,
                             uint64_t Start::*id) {
  if (starts.empty() || cancels.empty()) return;
  const uint64_t first = starts.front().*id;
  std::unordered_set<uint64_t> both;
  for (uint64_t cancelled : cancels) {
    if (cancelled >= first) both.insert(cancelled);
  }
  if (both.empty()) return;
  std::erase_if(starts, [&](const Start& s) { return both.count(s.*id) != 0; });
  std::erase_if(cancels, [&](uint64_t cancelled) { return both.count(cancelled) != 0; });
}

}  // namespace

Effects Interpreter::Impl::TakeEffects() {
  DropStartedAndCancelled(effects_.start_tasks, effects_.cancel_tasks, &TaskRequest::task_id);
  DropStartedAndCancelled(effects_.start_timers, effects_.cancel_timers, &TimerRequest::timer_id);
  return std::exchange(effects_, Effects{});
}

Effects Interpreter::Impl::Start(Json input, TimeMs now) {
  now_ = now;
  start_time_ = now;
  EmitWith("ExecutionStarted", "", "input", input);
  // $$.Execution.Input needs the original input; keep a copy only for
  // definitions that read the context object.
  if (definition_->uses_context) execution_input_ = input;
  if (definition_->timeout_seconds) {
    execution_timer_ = StartTimer(-1, TimerKind::kExecutionTimeout,
                                  AddSeconds(now, *definition_->timeout_seconds));
  }
  auto root_vars = std::make_shared<VarFrame>();
  int sid = NewScope(-1, 0, &definition_->machine, std::move(input), std::move(root_vars));
  PushAdvance(sid);
  Drain();
  return TakeEffects();
}

Effects Interpreter::Impl::OnTaskSucceeded(uint64_t task_id, Json output, TimeMs now) {
  now_ = now;
  auto it = tasks_.find(task_id);
  if (it == tasks_.end() || status_ != ExecutionStatus::kRunning) return TakeEffects();
  TaskTarget target = it->second;
  tasks_.erase(it);
  Scope& s = scopes_[target.scope];
  if (!s.alive || s.generation != target.generation) return TakeEffects();
  s.task = 0;
  UseScope(target.scope);
  FinishTask(target.scope, true, std::move(output), {});
  Drain();
  return TakeEffects();
}

Effects Interpreter::Impl::OnTaskFailed(uint64_t task_id, AslError error, TimeMs now) {
  now_ = now;
  auto it = tasks_.find(task_id);
  if (it == tasks_.end() || status_ != ExecutionStatus::kRunning) return TakeEffects();
  TaskTarget target = it->second;
  tasks_.erase(it);
  Scope& s = scopes_[target.scope];
  if (!s.alive || s.generation != target.generation) return TakeEffects();
  s.task = 0;
  UseScope(target.scope);
  FinishTask(target.scope, false, Json(), std::move(error));
  Drain();
  return TakeEffects();
}

Effects Interpreter::Impl::OnTaskHeartbeat(uint64_t task_id, TimeMs now) {
  now_ = now;
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return TakeEffects();
  Scope& s = scopes_[it->second.scope];
  if (s.alive && s.generation == it->second.generation && s.heartbeat_seconds) {
    CancelTimer(s.heartbeat_timer);
    s.heartbeat_timer =
        StartTimer(it->second.scope, TimerKind::kHeartbeat, AddSeconds(now, *s.heartbeat_seconds));
  }
  return TakeEffects();
}

int Interpreter::Impl::RunningTaskScope(uint64_t task_id) const {
  auto it = tasks_.find(task_id);
  if (it == tasks_.end() || status_ != ExecutionStatus::kRunning) return -1;
  const Scope& s = scopes_[it->second.scope];
  if (!s.alive || s.generation != it->second.generation || s.task != task_id) return -1;
  return it->second.scope;
}

Effects Interpreter::Impl::OnTaskQueued(uint64_t task_id, TimeMs now) {
  now_ = now;
  int sid = RunningTaskScope(task_id);
  if (sid < 0) return TakeEffects();
  Scope& s = scopes_[sid];
  if (s.task_queued || s.task_started) return TakeEffects();
  s.task_queued = true;
  CancelTimer(s.timeout_timer);
  CancelTimer(s.heartbeat_timer);
  return TakeEffects();
}

Effects Interpreter::Impl::OnTaskStarted(uint64_t task_id, TimeMs now) {
  now_ = now;
  int sid = RunningTaskScope(task_id);
  if (sid < 0) return TakeEffects();
  Scope& s = scopes_[sid];
  if (s.task_started) return TakeEffects();
  s.task_started = true;
  s.task_queued = false;
  // Timers from now: restarted if they ran, started if a queue stopped them.
  if (s.timeout_seconds) {
    CancelTimer(s.timeout_timer);
    s.timeout_timer = StartTimer(sid, TimerKind::kTaskTimeout, AddSeconds(now, *s.timeout_seconds));
  }
  if (s.heartbeat_seconds) {
    CancelTimer(s.heartbeat_timer);
    s.heartbeat_timer =
        StartTimer(sid, TimerKind::kHeartbeat, AddSeconds(now, *s.heartbeat_seconds));
  }
  return TakeEffects();
}

Effects Interpreter::Impl::OnTimerFired(uint64_t timer_id, TimeMs now) {
  now_ = now;
  auto it = timers_.find(timer_id);
  if (it == timers_.end() || status_ != ExecutionStatus::kRunning) return TakeEffects();
  TimerTarget target = it->second;
  timers_.erase(it);
  if (target.kind == TimerKind::kExecutionTimeout) {
    execution_timer_ = 0;
    FinishExecution(ExecutionStatus::kTimedOut, Json(),
                    AslError{"States.Timeout", "The execution timed out."});
    return TakeEffects();
  }
  Scope& s = scopes_[target.scope];
  if (!s.alive || s.generation != target.generation) return TakeEffects();
  UseScope(target.scope);
  switch (target.kind) {
    case TimerKind::kWait: {
      s.timer = 0;
      const State& st = CurrentState(s);
      Step step =
          CompleteWithoutResult(target.scope, std::move(s.effective), st.next, st.assign.get());
      if (step == Step::kContinue) PushAdvance(target.scope);
      break;
    }
    case TimerKind::kRetry:
      s.timer = 0;
      s.entering = true;
      PushAdvance(target.scope);
      break;
    case TimerKind::kTaskTimeout:
    case TimerKind::kHeartbeat: {
      bool heartbeat = target.kind == TimerKind::kHeartbeat;
      (heartbeat ? s.heartbeat_timer : s.timeout_timer) = 0;
      CancelTask(s.task);
      FinishTask(target.scope, false, Json(),
                 heartbeat ? AslError{"States.HeartbeatTimeout", "The task heartbeat timed out."}
                           : AslError{"States.Timeout", "The task timed out."});
      break;
    }
    case TimerKind::kExecutionTimeout:
      break;
  }
  Drain();
  return TakeEffects();
}

Effects Interpreter::Impl::Continue(TimeMs now) {
  now_ = now;
  if (status_ == ExecutionStatus::kRunning) Drain();
  return TakeEffects();
}

Effects Interpreter::Impl::Stop(AslError error, TimeMs now) {
  now_ = now;
  if (status_ == ExecutionStatus::kRunning) {
    FinishExecution(ExecutionStatus::kAborted, Json(), std::move(error));
  }
  return TakeEffects();
}

Effects Interpreter::Impl::Redrive(const RedriveRequest& request, TimeMs now) {
  now_ = now;
  if (status_ != ExecutionStatus::kRunning) return TakeEffects();
  redrive_count_ = request.count;
  redrive_time_ = now;
  event_id_ = std::max(event_id_, request.next_event_id - 1);
  next_task_id_ = std::max(next_task_id_, request.next_task_id);
  quiet_ = false;
  EmitWith("ExecutionRedriven", "", "redriveCount", Json(request.count));
  for (size_t i = 0; i < scopes_.size(); ++i) {
    if (scopes_[i].alive) RestartTimersForRedrive(static_cast<int>(i));
  }
  // A fresh TimeoutSeconds: the old deadline is what ended a timed-out one.
  if (execution_timer_ != 0) {
    CancelTimer(execution_timer_);
    execution_timer_ = StartTimer(-1, TimerKind::kExecutionTimeout,
                                  AddSeconds(now, *definition_->timeout_seconds));
  }
  return TakeEffects();
}

void Interpreter::Impl::RestartTimersForRedrive(int sid) {
  Scope& s = scopes_[sid];
  // The state runs again with the whole of its Retry budget.
  std::fill(s.retry_attempts.begin(), s.retry_attempts.end(), 0);
  s.retry_count = 0;
  if (s.timer != 0) {
    auto it = timers_.find(s.timer);
    TimerKind kind = it != timers_.end() ? it->second.kind : TimerKind::kRetry;
    TimeMs due = it != timers_.end() ? it->second.fire_at : now_;
    CancelTimer(s.timer);
    // A Wait keeps its due time (now, if that passed); a pending retry runs now.
    s.timer = StartTimer(sid, kind, kind == TimerKind::kWait ? std::max(due, now_) : now_);
  }
  if (s.task == 0) return;
  // The task's job is started again: its clocks start again too, and stop
  // while it waits in the host's queue (OnTaskQueued) as for a first start.
  s.task_started = false;
  s.task_queued = false;
  CancelTimer(s.timeout_timer);
  CancelTimer(s.heartbeat_timer);
  if (s.timeout_seconds) {
    s.timeout_timer =
        StartTimer(sid, TimerKind::kTaskTimeout, AddSeconds(now_, *s.timeout_seconds));
  }
  if (s.heartbeat_seconds) {
    s.heartbeat_timer =
        StartTimer(sid, TimerKind::kHeartbeat, AddSeconds(now_, *s.heartbeat_seconds));
  }
}

// ---------------------------------------------------------------------------
// The work loop.

void Interpreter::Impl::PushAdvance(int sid) {
  work_.push_back({WorkKind::kAdvance, sid, scopes_[sid].generation});
}

void Interpreter::Impl::PushFill(int rid) {
  Run& r = runs_[rid];
  if (r.fill_queued) return;
  r.fill_queued = true;
  work_.push_back({WorkKind::kFill, rid, 0});
}

void Interpreter::Impl::PushRunDone(int rid) {
  Run& r = runs_[rid];
  if (r.done_queued) return;
  r.done_queued = true;
  work_.push_back({WorkKind::kRunDone, rid, 0});
}

void Interpreter::Impl::Drain() {
  step_transitions_ = 0;
  while (!work_.empty() && status_ == ExecutionStatus::kRunning && !BudgetSpent()) {
    Work w = work_.back();
    work_.pop_back();
    switch (w.kind) {
      case WorkKind::kAdvance:
        if (scopes_[w.id].alive && scopes_[w.id].generation == w.generation) Advance(w.id);
        break;
      case WorkKind::kFill:
        if (runs_[w.id].alive) {
          runs_[w.id].fill_queued = false;
          FillMap(w.id);
        }
        break;
      case WorkKind::kRunDone:
        if (runs_[w.id].alive) {
          runs_[w.id].done_queued = false;
          FinishRun(w.id);
        }
        break;
    }
  }
  if (status_ != ExecutionStatus::kRunning) {
    work_.clear();
  } else if (!work_.empty()) {
    effects_.more = true;
  }
}

void Interpreter::Impl::Advance(int sid) {
  UseScope(sid);
  while (true) {
    Step step = EnterState(sid);
    if (step != Step::kContinue) return;
    if (status_ != ExecutionStatus::kRunning) return;
    if (BudgetSpent()) {
      PushAdvance(sid);  // resumes here on Continue()
      return;
    }
  }
}

Step Interpreter::Impl::EnterState(int sid) {
  Scope& s = scopes_[sid];
  const State& st = CurrentState(s);
  ++transitions_;
  ++step_transitions_;
  s.entering = false;
  s.entered_time = now_;
  s.entered_event = EmitWith(EnteredEvent(st.type), st.name, "input", s.input);
  switch (st.type) {
    case StateType::kPass:
      return RunPass(sid);
    case StateType::kTask:
      return RunTask(sid);
    case StateType::kChoice:
      return RunChoice(sid);
    case StateType::kWait:
      return RunWait(sid);
    case StateType::kSucceed:
      return RunSucceed(sid);
    case StateType::kFail:
      return RunFail(sid);
    case StateType::kParallel:
      return RunParallel(sid);
    case StateType::kMap:
      return RunMap(sid);
  }
  return Step::kBlocked;
}

// ---------------------------------------------------------------------------
// Events.

int64_t Interpreter::Impl::Emit(const char* type, const std::string& state_name,
                                const Json* details) {
  return EmitEvent(type, state_name, [&](std::string& out) {
    if (details) out = DumpJson(*details);
  });
}

int64_t Interpreter::Impl::EmitWith(const char* type, const std::string& state_name,
                                    const char* key, const Json& value) {
  return EmitEvent(type, state_name, [&](std::string& out) {
    out.reserve(64);
    out += "{\"";
    out += key;
    out += "\":";
    out += DumpJson(value);
    out += '}';
  });
}

const char* Interpreter::Impl::EnteredEvent(StateType type) {
  static const char* kNames[] = {
      "PassStateEntered",    "TaskStateEntered", "ChoiceStateEntered",   "WaitStateEntered",
      "SucceedStateEntered", "FailStateEntered", "ParallelStateEntered", "MapStateEntered"};
  return kNames[static_cast<int>(type)];
}

const char* Interpreter::Impl::ExitedEvent(StateType type) {
  static const char* kNames[] = {"PassStateExited",     "TaskStateExited",    "ChoiceStateExited",
                                 "WaitStateExited",     "SucceedStateExited", "FailStateExited",
                                 "ParallelStateExited", "MapStateExited"};
  return kNames[static_cast<int>(type)];
}

AslError Interpreter::Impl::RuntimeError(int sid, const std::string& cause) const {
  const Scope& s = scopes_[sid];
  return AslError{"States.Runtime", "An error occurred while executing the state '" +
                                        CurrentState(s).name + "' (entered at the event id #" +
                                        std::to_string(s.entered_event) + "). " + cause};
}

// ---------------------------------------------------------------------------
// Data flow shared by all states.

Result<Json> Interpreter::Impl::EffectiveInput(int sid, bool with_parameters) {
  Scope& s = scopes_[sid];
  const State& st = CurrentState(s);
  Json effective;
  if (st.input_path.is_null) {
    effective = Json::object();
  } else if (st.input_path.path) {
    Env env(*this, sid, s.input);
    auto value = ResolveFieldPath(*st.input_path.path, env);
    if (!value) return Fail(value.error());
    effective = std::move(*value);
  } else if (!(with_parameters && st.parameters)) {
    effective = s.input;
  }
  if (with_parameters && st.parameters) {
    const Json& source = (st.input_path.is_null || st.input_path.path) ? effective : s.input;
    Env env(*this, sid, source);
    auto value = st.parameters->Evaluate(env, random());
    if (!value) return Fail(value.error());
    return std::move(*value);
  }
  return effective;
}

Result<Json> Interpreter::Impl::EvaluateAssign(int sid, const PayloadTemplate& assign,
                                               const Json& dollar) {
  Env env(*this, sid, dollar);
  return assign.Evaluate(env, random());
}

void Interpreter::Impl::ApplyAssign(int sid, Json assigned) {
  if (!assigned.is_object() || assigned.empty()) return;
  Scope& s = scopes_[sid];
  if (!s.vars->values.is_object()) s.vars->values = Json::object();
  for (auto it = assigned.begin(); it != assigned.end(); ++it) {
    s.vars->values[it.key()] = std::move(*it);
  }
}

Step Interpreter::Impl::Complete(int sid, Json result, bool select) {
  Scope& s = scopes_[sid];
  const State& st = CurrentState(s);
  if (select && st.result_selector) {
    Env env(*this, sid, result);
    auto selected = st.result_selector->Evaluate(env, random());
    if (!selected) return FailState(sid, RuntimeError(sid, selected.error().cause));
    result = std::move(*selected);
  }
  Json assigned;
  if (st.assign) {
    auto value = EvaluateAssign(sid, *st.assign, result);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    assigned = std::move(*value);
  }
  Json output;
  if (st.result_path.discard) {
    output = std::move(s.input);
  } else if (!st.result_path.path || st.result_path.path->is_root_only()) {
    output = std::move(result);
  } else {
    output = std::move(s.input);
    auto status = st.result_path.path->Assign(output, std::move(result));
    if (!status) return FailState(sid, RuntimeError(sid, status.error().cause));
  }
  if (st.output_path.is_null) {
    output = Json::object();
  } else if (st.output_path.path) {
    Env env(*this, sid, output);
    auto value = ResolveFieldPath(*st.output_path.path, env);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    output = std::move(*value);
  }
  if (options_.max_payload_bytes != 0 && DumpJson(output).size() > options_.max_payload_bytes) {
    return FailState(sid, AslError{"States.DataLimitExceeded",
                                   "The state/task '" + st.name +
                                       "' returned a result with a size exceeding the maximum "
                                       "number of bytes service limit."});
  }
  ApplyAssign(sid, std::move(assigned));
  EmitWith(ExitedEvent(st.type), st.name, "output", output);
  return Transition(sid, st.end ? -1 : st.next, std::move(output));
}

Step Interpreter::Impl::CompleteWithoutResult(int sid, Json effective, int next,
                                              const PayloadTemplate* assign) {
  Scope& s = scopes_[sid];
  const State& st = CurrentState(s);
  Json assigned;
  if (assign) {
    auto value = EvaluateAssign(sid, *assign, effective);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    assigned = std::move(*value);
  }
  Json output = std::move(effective);
  if (st.output_path.is_null) {
    output = Json::object();
  } else if (st.output_path.path) {
    Env env(*this, sid, output);
    auto value = ResolveFieldPath(*st.output_path.path, env);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    output = std::move(*value);
  }
  ApplyAssign(sid, std::move(assigned));
  EmitWith(ExitedEvent(st.type), st.name, "output", output);
  return Transition(sid, next, std::move(output));
}

Step Interpreter::Impl::Transition(int sid, int next, Json output) {
  Scope& s = scopes_[sid];
  s.retry_attempts.clear();
  s.retry_count = 0;
  s.entering = true;
  if (next < 0) {
    EndScope(sid, true, std::move(output), std::nullopt);
    return Step::kDone;
  }
  s.state = next;
  s.input = std::move(output);
  return Step::kContinue;
}

namespace {

// States.ALL matches every error but States.Runtime (AWS: "A retry or catch
// on States.ALL won't catch States.Runtime errors"); States.TaskFailed
// matches every task error but a timeout.
bool ErrorMatches(const std::vector<std::string>& names, const std::string& error) {
  for (const auto& name : names) {
    if (name == error) return true;
    if (name == "States.ALL" && error != "States.Runtime" && error != "States.DataLimitExceeded") {
      return true;
    }
    if (name == "States.TaskFailed" && error != "States.Timeout" && error != "States.Runtime" &&
        error.rfind("States.", 0) != 0) {
      return true;
    }
  }
  return false;
}

Json ErrorOutput(const AslError& error) {
  Json out = {{"Error", error.name}};
  if (error.cause) out["Cause"] = *error.cause;
  return out;
}

}  // namespace

Step Interpreter::Impl::FailState(int sid, AslError error) {
  Scope& s = scopes_[sid];
  const State& st = CurrentState(s);
  bool recoverable = error.name != "States.Runtime" && error.name != "States.DataLimitExceeded";
  if (recoverable) {
    if (s.retry_attempts.size() != st.retry.size()) s.retry_attempts.assign(st.retry.size(), 0);
    for (size_t i = 0; i < st.retry.size(); ++i) {
      const Retrier& r = st.retry[i];
      if (!ErrorMatches(r.errors, error.name)) continue;
      if (s.retry_attempts[i] >= r.max_attempts) break;
      double delay = r.interval_seconds * std::pow(r.backoff_rate, s.retry_attempts[i]);
      if (r.max_delay_seconds) delay = std::min(delay, *r.max_delay_seconds);
      if (r.full_jitter) delay = std::uniform_real_distribution<double>(0, delay)(rng_);
      ++s.retry_attempts[i];
      ++s.retry_count;
      s.timer = StartTimer(sid, TimerKind::kRetry, AddSeconds(now_, delay));
      return Step::kBlocked;
    }
    for (const Catcher& c : st.catchers) {
      if (!ErrorMatches(c.errors, error.name)) continue;
      Json error_output = ErrorOutput(error);
      Json assigned;
      if (c.assign) {
        auto value = EvaluateAssign(sid, *c.assign, error_output);
        if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
        assigned = std::move(*value);
      }
      Json output;
      if (c.result_path.discard) {
        output = std::move(s.input);
      } else if (!c.result_path.path || c.result_path.path->is_root_only()) {
        output = std::move(error_output);
      } else {
        output = std::move(s.input);
        auto status = c.result_path.path->Assign(output, std::move(error_output));
        if (!status) {
          AslError runtime = RuntimeError(sid, status.error().cause);
          EndScope(sid, false, Json(), runtime);
          return Step::kDone;
        }
      }
      ApplyAssign(sid, std::move(assigned));
      Emit(ExitedEvent(st.type), st.name);
      return Transition(sid, c.next, std::move(output));
    }
  }
  EndScope(sid, false, Json(), std::move(error));
  return Step::kDone;
}

// ---------------------------------------------------------------------------
// Scopes, runs, timers.

int Interpreter::Impl::NewScope(int run, int64_t slot, const StateMachine* machine, Json input,
                                std::shared_ptr<VarFrame> vars) {
  int sid;
  if (!free_scopes_.empty()) {
    sid = free_scopes_.back();
    free_scopes_.pop_back();
  } else {
    sid = static_cast<int>(scopes_.size());
    scopes_.emplace_back();
  }
  Scope& s = scopes_[sid];
  uint32_t generation = s.generation + 1;
  s = Scope{};
  s.generation = generation;
  s.alive = true;
  s.run = run;
  s.slot = slot;
  s.machine = machine;
  s.state = machine->start;
  s.input = std::move(input);
  s.vars = std::move(vars);
  return sid;
}

int Interpreter::Impl::NewRun() {
  int rid;
  if (!free_runs_.empty()) {
    rid = free_runs_.back();
    free_runs_.pop_back();
  } else {
    rid = static_cast<int>(runs_.size());
    runs_.emplace_back();
  }
  runs_[rid] = Run{};
  runs_[rid].alive = true;
  return rid;
}

void Interpreter::Impl::FreeScope(int sid) {
  Scope& s = scopes_[sid];
  s.alive = false;
  s.input = Json();
  s.effective = Json();
  s.vars.reset();
  free_scopes_.push_back(sid);
}

uint64_t Interpreter::Impl::StartTimer(int sid, TimerKind kind, TimeMs fire_at) {
  uint64_t id = next_timer_id_++;
  timers_[id] = TimerTarget{sid, sid >= 0 ? scopes_[sid].generation : 0, kind, fire_at};
  effects_.start_timers.push_back({id, fire_at});
  return id;
}

void Interpreter::Impl::CancelTimer(uint64_t& timer_id) {
  if (timer_id == 0) return;
  if (timers_.erase(timer_id)) effects_.cancel_timers.push_back(timer_id);
  timer_id = 0;
}

void Interpreter::Impl::CancelTask(uint64_t& task_id) {
  if (task_id == 0) return;
  if (tasks_.erase(task_id)) effects_.cancel_tasks.push_back(task_id);
  task_id = 0;
}

void Interpreter::Impl::CancelScope(int root) {
  // Iterative: nested fan-outs can be deep.
  std::vector<int> stack{root};
  while (!stack.empty()) {
    int sid = stack.back();
    stack.pop_back();
    Scope& s = scopes_[sid];
    if (!s.alive) continue;
    CancelTask(s.task);
    CancelTimer(s.timer);
    CancelTimer(s.timeout_timer);
    CancelTimer(s.heartbeat_timer);
    if (s.child_run >= 0) {
      Run& r = runs_[s.child_run];
      for (int child : r.children) stack.push_back(child);
      r.children.clear();
      r.alive = false;
      free_runs_.push_back(s.child_run);
      s.child_run = -1;
    }
    FreeScope(sid);
  }
}

void Interpreter::Impl::CancelRun(int rid) {
  Run& r = runs_[rid];
  std::vector<int> children = std::move(r.children);
  r.children.clear();
  for (int child : children) CancelScope(child);
  r.active = 0;
}

void Interpreter::Impl::AddChild(int rid, int sid) {
  Run& r = runs_[rid];
  scopes_[sid].run_pos = static_cast<int>(r.children.size());
  r.children.push_back(sid);
  ++r.active;
}

void Interpreter::Impl::RemoveChild(int rid, int sid) {
  Run& r = runs_[rid];
  int pos = scopes_[sid].run_pos;
  if (pos < 0 || static_cast<size_t>(pos) >= r.children.size() || r.children[pos] != sid) return;
  int last = r.children.back();
  r.children[pos] = last;
  scopes_[last].run_pos = pos;
  r.children.pop_back();
  scopes_[sid].run_pos = -1;
  --r.active;
}

void Interpreter::Impl::EndScope(int sid, bool ok, Json output, std::optional<AslError> error) {
  Scope& s = scopes_[sid];
  int rid = s.run;
  CancelTimer(s.timeout_timer);
  CancelTimer(s.heartbeat_timer);
  if (rid < 0) {
    FreeScope(sid);
    if (ok) {
      FinishExecution(ExecutionStatus::kSucceeded, std::move(output), {});
    } else {
      FinishExecution(ExecutionStatus::kFailed, Json(), std::move(*error));
    }
    return;
  }
  Run& r = runs_[rid];
  if (r.is_map) {
    OnMapItemDone(rid, sid, ok, std::move(output), std::move(error));
  } else {
    OnParallelBranchDone(rid, sid, ok, std::move(output), std::move(error));
  }
}

void Interpreter::Impl::FinishRun(int rid) {
  Run& r = runs_[rid];
  int owner = r.owner;
  Scope& s = scopes_[owner];
  if (!s.alive || s.generation != r.owner_generation) return;
  bool is_map = r.is_map;
  std::optional<AslError> failure = std::move(r.failure);
  Json results = std::move(r.results);
  CancelRun(rid);
  r.alive = false;
  free_runs_.push_back(rid);
  s.child_run = -1;
  const State& st = CurrentState(s);
  UseScope(owner);
  Step step;
  if (failure) {
    Emit(is_map ? "MapStateFailed" : "ParallelStateFailed", st.name);
    step = FailState(owner, std::move(*failure));
  } else {
    Emit(is_map ? "MapStateSucceeded" : "ParallelStateSucceeded", st.name);
    step = Complete(owner, std::move(results), true);
  }
  if (step == Step::kContinue) PushAdvance(owner);
}

void Interpreter::Impl::FinishExecution(ExecutionStatus status, Json output, AslError error) {
  if (status_ != ExecutionStatus::kRunning) return;
  quiet_ = false;
  status_ = status;
  output_ = std::move(output);
  error_ = std::move(error);
  // Cancel whatever is still running (a timeout or a stop mid-way).
  for (size_t i = 0; i < scopes_.size(); ++i) {
    if (scopes_[i].alive) CancelScope(static_cast<int>(i));
  }
  CancelTimer(execution_timer_);
  const char* type = status == ExecutionStatus::kSucceeded  ? "ExecutionSucceeded"
                     : status == ExecutionStatus::kFailed   ? "ExecutionFailed"
                     : status == ExecutionStatus::kTimedOut ? "ExecutionTimedOut"
                                                            : "ExecutionAborted";
  if (options_.on_event) {
    Json details;
    if (status == ExecutionStatus::kSucceeded) {
      details = {{"output", output_}};
    } else {
      details = {{"error", error_.name}};
      if (error_.cause) details["cause"] = *error_.cause;
    }
    Emit(type, "", &details);
  } else {
    Emit(type, "");
  }
  work_.clear();
}

}  // namespace hpcflow::workflows
