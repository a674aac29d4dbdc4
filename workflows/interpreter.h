// The ASL interpreter: a pure, deterministic state machine over one execution.
//
// The host (the in-memory runner, the durable server) feeds it events: the
// execution started, a task ended, a timer fired, a heartbeat arrived, a stop
// was requested. For each event the interpreter advances every branch it can
// and returns the side effects it wants the host to perform: start or cancel
// a task, start or cancel a timer. It never reads a clock, touches a file or
// starts a thread: time comes in with each event, randomness from a seeded
// generator, so replaying the same events gives the same decisions.
//
// Parallel branches and Map iterations are scopes kept in tables, advanced
// from a work stack, not C++ recursion: a Map over a million items holds only
// its active iterations and the results.
#ifndef HPCFLOW_WORKFLOWS_INTERPRETER_H_
#define HPCFLOW_WORKFLOWS_INTERPRETER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/json.h"
#include "workflows/definition.h"
#include "workflows/intrinsics.h"

namespace hpcflow::workflows {

using TimeMs = int64_t;  // milliseconds since the Unix epoch, UTC

// An ASL error as data: what Retry/Catch match and what a failed execution reports.
struct AslError {
  std::string name;
  std::optional<std::string> cause;
};

struct ExecutionInfo {
  std::string id;  // e.g. arn-like or uuid
  std::string name;
  std::string state_machine_id;
  std::string state_machine_name;
  std::string role_arn;
  uint64_t random_seed = 0;
};

// AWS's default TimeoutSeconds of a Task without one; the interpreter sets
// no timer for it.
inline constexpr double kDefaultTaskTimeoutSeconds = 99999999;

// What a host gives Interpreter::Redrive.
struct RedriveRequest {
  int64_t count = 1;  // $$.Execution.RedriveCount from now on
  // The first history event and task ids the redrive may use: the host's
  // record already holds the events and tasks of the decision that ended
  // the execution, which this interpreter never saw.
  int64_t next_event_id = 0;
  uint64_t next_task_id = 0;
};

// A task the host must run. `task_id` is unique within the execution.
struct TaskRequest {
  uint64_t task_id = 0;
  std::string state_name;
  std::string resource;
  Json parameters;
  int attempt = 0;              // 0 for the first try, counting retries
  int64_t map_item_index = -1;  // innermost Map iteration, or -1
  std::optional<double> timeout_seconds;
  std::optional<double> heartbeat_seconds;
  std::string task_token;  // set for .waitForTaskToken resources
  // Set when the host throttles this task itself (Options::host_throttles):
  // at most `throttle_limit` tasks of `throttle_group` (one Map) may run at
  // once. 0: the interpreter already limits how many it starts.
  uint64_t throttle_group = 0;
  size_t throttle_limit = 0;
};

struct TimerRequest {
  uint64_t timer_id = 0;
  TimeMs fire_at = 0;
};

// Side effects requested by one decision, to be performed after it is recorded.
// No id is both started and cancelled in one Effects, so the lists may be
// applied in any order.
struct Effects {
  std::vector<TaskRequest> start_tasks;
  std::vector<uint64_t> cancel_tasks;
  std::vector<TimerRequest> start_timers;
  std::vector<uint64_t> cancel_timers;
  // The step budget ran out with work left: the host calls Continue() (after
  // other executions had their turn).
  bool more = false;
  bool empty() const {
    return start_tasks.empty() && cancel_tasks.empty() && start_timers.empty() &&
           cancel_timers.empty() && !more;
  }
};

enum class ExecutionStatus { kRunning, kSucceeded, kFailed, kTimedOut, kAborted };
const char* ExecutionStatusName(ExecutionStatus status);

// One history event, named like Step Functions history events
// (ExecutionStarted, PassStateEntered, TaskScheduled, MapIterationStarted...).
struct HistoryEvent {
  int64_t id = 0;
  int64_t previous_id = 0;
  TimeMs time = 0;
  std::string type;
  std::string state_name;
  std::string details;  // JSON text ({"input":...}, {"output":...}); empty when none
};

class Interpreter {
 public:
  struct Options {
    // Called for every history event in order. Leave empty for speed when
    // nothing is persisted (express and in-memory runs).
    std::function<void(const HistoryEvent&)> on_event;
    // Include payloads (inputs, outputs) in events passed to on_event.
    bool event_details = true;
    // Makes the $$.Task.Token of a .waitForTaskToken task. The host signs
    // tokens; the default is "<execution id>/<task id>".
    std::function<std::string(const TaskRequest&)> make_task_token;
    // True when the host limits the concurrency of tasks with this resource
    // itself (a Slurm job array's %N throttle). A Map whose ItemProcessor
    // starts with such a Task, and runs no other Task, Map or Parallel (a
    // Catch may lead to a Pass or Fail), then starts all its items at once
    // and hands its
    // MaxConcurrency to the host in TaskRequest::throttle_*, so that the
    // items can go to the scheduler as one array instead of one by one.
    std::function<bool(const std::string& resource)> host_throttles;
    // Largest state output allowed, in bytes of compact JSON; 0 = no limit.
    // AWS Step Functions enforces 262144 (States.DataLimitExceeded); hpcflow
    // has no limit unless asked, since HPC payloads are often larger.
    size_t max_payload_bytes = 0;
    // At most this many state transitions per call; 0 = no limit. A budget
    // keeps a long (or endless) loop of Pass and Choice states from holding
    // the host: the call returns with Effects::more and the host continues.
    int64_t max_transitions_per_step = 0;
  };

  Interpreter(std::shared_ptr<const Definition> definition, ExecutionInfo info, Options options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  Effects Start(Json input, TimeMs now);
  Effects OnTaskSucceeded(uint64_t task_id, Json output, TimeMs now);
  Effects OnTaskFailed(uint64_t task_id, AslError error, TimeMs now);
  Effects OnTaskHeartbeat(uint64_t task_id, TimeMs now);
  // Time a task waits in the host's own queue (a machine's job slots) does
  // not count against its TimeoutSeconds or HeartbeatSeconds: the host says
  // when a task is queued (its timers stop) and when its work starts (they
  // start again, from then). Unknown or ended tasks are ignored; a start
  // without a queue report restarts the timers from then.
  Effects OnTaskQueued(uint64_t task_id, TimeMs now);
  Effects OnTaskStarted(uint64_t task_id, TimeMs now);
  Effects OnTimerFired(uint64_t timer_id, TimeMs now);
  // Resumes after a call that returned Effects::more.
  Effects Continue(TimeMs now);
  // Stops the execution: status ABORTED, all running tasks and timers cancelled.
  Effects Stop(AslError error, TimeMs now);
  // Continues an execution that FAILED, TIMED_OUT or was ABORTED (Step
  // Functions' RedriveExecution). The host builds this interpreter from the
  // execution's inputs without the one that ended it, so that what failed or
  // was cancelled by the end is still running here and what succeeded is
  // kept; Redrive then resets the retry counters of the running states,
  // restarts their timers from `now` (a Wait keeps its due time) and the
  // execution's TimeoutSeconds, and records ExecutionRedriven. The host runs
  // RunningTasks() again. Ignored unless the execution is running.
  Effects Redrive(const RedriveRequest& request, TimeMs now);

  ExecutionStatus status() const;
  const Json& output() const;
  // Moves the output out (output() is null afterwards): a large result is not copied.
  Json TakeOutput();
  const AslError& error() const;
  // Number of state transitions so far (states entered).
  int64_t transitions() const;
  // Tasks currently running, for hosts that resume or report.
  std::vector<uint64_t> RunningTasks() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_INTERPRETER_H_
