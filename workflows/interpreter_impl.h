// Internal to the interpreter: the execution's tables and the helpers the
// per-state-type files (workflows/states/*.cc) use. Not part of the API.
#ifndef HPCFLOW_WORKFLOWS_INTERPRETER_IMPL_H_
#define HPCFLOW_WORKFLOWS_INTERPRETER_IMPL_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "workflows/interpreter.h"

namespace hpcflow::workflows {

// Workflow variables visible to a scope: its own frame, then its parents'.
struct VarFrame {
  Json values;  // object, created on first assignment
  std::shared_ptr<VarFrame> parent;
};

// One running instance of a state machine: the execution's top level, a
// Parallel branch or a Map iteration.
struct Scope {
  uint32_t generation = 0;
  bool alive = false;
  int run = -1;      // the fan-out this scope belongs to; -1 for the top level
  int64_t slot = 0;  // branch index or item index within that run
  const StateMachine* machine = nullptr;
  int state = -1;  // current state
  Json input;      // raw input of the current state
  Json effective;  // effective input while the state waits (Task, Wait)
  std::shared_ptr<VarFrame> vars;
  int64_t entered_event = 0;
  TimeMs entered_time = 0;
  std::vector<int64_t> retry_attempts;  // per retrier of the current state
  int retry_count = 0;                  // total retries of the current state
  uint64_t task = 0;                    // running task, if any
  uint64_t timer = 0;                   // Wait or retry timer, if any
  uint64_t timeout_timer = 0;
  uint64_t heartbeat_timer = 0;
  std::optional<double> heartbeat_seconds;
  std::optional<double> timeout_seconds;  // of the running task, when it has a timer
  bool task_started = false;              // OnTaskStarted was applied to it
  bool task_queued = false;               // its timers wait for OnTaskStarted
  int child_run = -1;                     // Map/Parallel fan-out owned by the current state
  bool entering = true;                   // the current state has not been entered yet
  int64_t map_item_index = -1;
  int run_pos = -1;  // position in the run's `children`
  // Inside a Map whose ItemProcessor is EXPRESS: events are counted but not
  // reported to the listener (no per-step durable history).
  bool quiet = false;
};

// The fan-out of one Map or Parallel state.
struct Run {
  bool alive = false;
  bool is_map = false;
  int owner = -1;  // the scope whose Map/Parallel state this is
  uint32_t owner_generation = 0;
  const StateMachine* machine = nullptr;      // Map: the ItemProcessor
  std::vector<const StateMachine*> branches;  // Parallel
  Json items;                                 // Map: the items; Parallel: the branch input
  Json selector_input;                        // Map: effective input for ItemSelector
  size_t total = 0;
  size_t next = 0;
  size_t active = 0;
  size_t finished = 0;
  size_t failed = 0;
  size_t max_concurrency = 0;   // 0 = unlimited
  uint64_t throttle_group = 0;  // the host throttles the items (TaskRequest::throttle_*)
  size_t throttle_limit = 0;
  double tolerated_percentage = 0;
  int64_t tolerated_count = 0;
  bool has_tolerance = false;
  bool fill_queued = false;
  bool quiet_items = false;  // Map: iterations (and their start/end) keep no history
  bool done_queued = false;
  std::optional<AslError> failure;
  Json results;               // array
  std::vector<int> children;  // live child scopes, in no particular order
  std::shared_ptr<VarFrame> vars;
};

enum class TimerKind { kWait, kRetry, kTaskTimeout, kHeartbeat, kExecutionTimeout };

struct TimerTarget {
  int scope = -1;
  uint32_t generation = 0;
  TimerKind kind = TimerKind::kWait;
  TimeMs fire_at = 0;  // a redrive keeps a Wait's due time
};

struct TaskTarget {
  int scope = -1;
  uint32_t generation = 0;
};

// What a state's step did to its scope.
enum class Step { kContinue, kBlocked, kDone };

// `now` plus `seconds`, saturated to the range of TimeMs. Definitions can ask
// for delays whose milliseconds do not fit an int64 (a TimeoutSeconds near
// INT64_MAX, a large BackoffRate, a SecondsPath of 1e300), and casting such a
// double, or adding it to `now`, is undefined behaviour. A saturated timer
// fires "never", as ToMs in states/wait.cc already does for far timestamps.
inline TimeMs AddSeconds(TimeMs now, double seconds) {
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  constexpr TimeMs kMin = std::numeric_limits<TimeMs>::min();
  const double ms = seconds * 1000;
  if (!(ms < 9223372036854775808.0)) return kMax;  // 2^63; also NaN
  if (ms <= -9223372036854775808.0) return kMin;
  TimeMs out;
  if (__builtin_add_overflow(now, static_cast<TimeMs>(ms), &out)) return ms > 0 ? kMax : kMin;
  return out;
}

class Interpreter::Impl {
 public:
  Impl(std::shared_ptr<const Definition> definition, ExecutionInfo info, Options options);

  // ---- entry points (see Interpreter)
  Effects Start(Json input, TimeMs now);
  Effects OnTaskSucceeded(uint64_t task_id, Json output, TimeMs now);
  Effects OnTaskFailed(uint64_t task_id, AslError error, TimeMs now);
  Effects OnTaskHeartbeat(uint64_t task_id, TimeMs now);
  Effects OnTaskQueued(uint64_t task_id, TimeMs now);
  Effects OnTaskStarted(uint64_t task_id, TimeMs now);
  // The scope whose running task is `task_id`, or -1.
  int RunningTaskScope(uint64_t task_id) const;
  Effects OnTimerFired(uint64_t timer_id, TimeMs now);
  Effects Continue(TimeMs now);
  Effects Stop(AslError error, TimeMs now);
  Effects Redrive(const RedriveRequest& request, TimeMs now);

  ExecutionStatus status_ = ExecutionStatus::kRunning;
  Json output_;
  AslError error_;
  int64_t transitions_ = 0;
  std::unordered_map<uint64_t, TaskTarget> tasks_;

  // ---- helpers for the state files
  const State& CurrentState(const Scope& s) const { return s.machine->states[s.state]; }
  Scope& scope(int id) { return scopes_[id]; }
  Run& run(int id) { return runs_[id]; }

  // Records a history event; returns its id.
  int64_t Emit(const char* type, const std::string& state_name, const Json* details = nullptr);
  // Emits with details {"<key>": value}, serialised straight from `value`
  // (no copy): the hot path of state entered/exited events.
  int64_t EmitWith(const char* type, const std::string& state_name, const char* key,
                   const Json& value);
  // Numbers the event and, when someone listens (and the scope is not
  // quiet), builds it; `write_details` serialises the details only then.
  template <typename WriteDetails>
  int64_t EmitEvent(const char* type, const std::string& state_name, WriteDetails&& write_details) {
    ++event_id_;
    if (options_.on_event && !quiet_) {
      HistoryEvent e;
      e.id = event_id_;
      e.previous_id = event_id_ - 1;
      e.time = now_;
      e.type = type;
      e.state_name = state_name;
      if (options_.event_details) write_details(e.details);
      options_.on_event(e);
    }
    return event_id_;
  }
  // Builds "<Type>StateEntered"-style names without allocating per call.
  static const char* EnteredEvent(StateType type);
  static const char* ExitedEvent(StateType type);

  // InputPath, then (when `with_parameters`) Parameters. Fails with States.Runtime.
  Result<Json> EffectiveInput(int sid, bool with_parameters);
  // ResultSelector (when `select`), Assign, ResultPath, OutputPath, then the
  // transition. `assign_input` is what `$` means in Assign.
  Step Complete(int sid, Json result, bool select);
  // For states without ResultPath (Choice, Wait, Succeed): OutputPath and
  // Assign over the effective input, then the transition to `next`.
  Step CompleteWithoutResult(int sid, Json effective, int next, const PayloadTemplate* assign);
  // Retry, then Catch, then fail the scope.
  Step FailState(int sid, AslError error);
  // Moves to `next` with `output` as its input, or ends the scope (next < 0).
  Step Transition(int sid, int next, Json output);

  uint64_t StartTimer(int sid, TimerKind kind, TimeMs fire_at);
  void CancelTimer(uint64_t& timer_id);
  void CancelTask(uint64_t& task_id);

  int NewScope(int run, int64_t slot, const StateMachine* machine, Json input,
               std::shared_ptr<VarFrame> vars);
  int NewRun();
  void PushAdvance(int sid);
  void PushFill(int rid);
  void PushRunDone(int rid);
  void AddChild(int rid, int sid);
  void RemoveChild(int rid, int sid);
  void CancelRun(int rid);
  void FreeScope(int sid);

  // Evaluates an Assign template into (name, value) pairs without applying them.
  Result<Json> EvaluateAssign(int sid, const PayloadTemplate& assign, const Json& dollar);
  void ApplyAssign(int sid, Json assigned);

  // A PathEnv for a scope: `$` is `input`; `$$` is built on demand.
  class Env;
  // Errors that AWS prefixes with where they happened.
  AslError RuntimeError(int sid, const std::string& cause) const;

  TimeMs now_ = 0;
  RandomSource* random() { return &random_; }
  std::mt19937_64& rng() { return rng_; }

  // Per state type steps (workflows/states/*.cc).
  Step RunPass(int sid);
  Step RunTask(int sid);
  Step RunChoice(int sid);
  Step RunWait(int sid);
  Step RunSucceed(int sid);
  Step RunFail(int sid);
  Step RunParallel(int sid);
  Step RunMap(int sid);
  void FillMap(int rid);
  void OnMapItemDone(int rid, int sid, bool ok, Json output, std::optional<AslError> error);
  void OnParallelBranchDone(int rid, int sid, bool ok, Json output, std::optional<AslError> error);
  void FinishRun(int rid);
  void FinishTask(int sid, bool ok, Json output, AslError error);

  const ExecutionInfo& info() const { return info_; }
  bool has_event_listener() const { return static_cast<bool>(options_.on_event); }
  std::string MakeTaskToken(const TaskRequest& request) const;
  // True when `machine` is one Task whose resource the host throttles.
  bool HostThrottles(const StateMachine& machine) const;
  const Json& execution_input() const {
    return execution_input_lent_to_ ? *execution_input_lent_to_ : execution_input_;
  }
  TimeMs start_time() const { return start_time_; }
  int64_t redrive_count() const { return redrive_count_; }
  TimeMs redrive_time() const { return redrive_time_; }

 private:
  void Drain();
  void Advance(int sid);
  Step EnterState(int sid);
  void EndScope(int sid, bool ok, Json output, std::optional<AslError> error);
  void CancelScope(int sid);
  void FinishExecution(ExecutionStatus status, Json output, AslError error);
  Effects TakeEffects();

  std::shared_ptr<const Definition> definition_;
  ExecutionInfo info_;
  Options options_;
  Json execution_input_;
  // While an Env holds the execution input in its context object (see
  // Env::Context), where it is; execution_input_ is empty meanwhile.
  const Json* execution_input_lent_to_ = nullptr;
  TimeMs start_time_ = 0;
  int64_t redrive_count_ = 0;
  TimeMs redrive_time_ = 0;
  // Restarts the timers of a redriven scope (see Redrive).
  void RestartTimersForRedrive(int sid);
  // Deques: references stay valid while new scopes and runs are added.
  std::deque<Scope> scopes_;
  std::vector<int> free_scopes_;
  std::deque<Run> runs_;
  std::vector<int> free_runs_;
  std::unordered_map<uint64_t, TimerTarget> timers_;
  uint64_t next_task_id_ = 1;
  uint64_t next_throttle_group_ = 1;
  uint64_t next_timer_id_ = 1;
  int64_t event_id_ = 0;
  int64_t step_transitions_ = 0;  // transitions in the current call (see the budget)
  bool BudgetSpent() const {
    return options_.max_transitions_per_step > 0 &&
           step_transitions_ >= options_.max_transitions_per_step;
  }
  bool quiet_ = false;  // the scope being processed is quiet (see Scope::quiet)
  void UseScope(int sid) { quiet_ = sid >= 0 && scopes_[sid].quiet; }
  uint64_t execution_timer_ = 0;

  enum class WorkKind { kAdvance, kFill, kRunDone };
  struct Work {
    WorkKind kind;
    int id;
    uint32_t generation;
  };
  std::vector<Work> work_;  // LIFO: depth-first keeps few iterations alive
  Effects effects_;
  std::mt19937_64 rng_;
  SeededRandom random_;
};

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_INTERPRETER_IMPL_H_
