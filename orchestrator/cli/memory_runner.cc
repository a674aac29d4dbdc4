#include "orchestrator/cli/memory_runner.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>

#include "common/ids.h"
#include "orchestrator/cli/local_task_executor.h"

namespace hpcflow::orchestrator {

namespace {

using workflows::Effects;
using workflows::ExecutionStatus;
using workflows::TimeMs;

// Completions arrive from job threads; the interpreter runs on this thread.
class CompletionQueue {
 public:
  void Push(TaskCompletion completion) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.push_back(std::move(completion));
    }
    cv_.notify_one();
  }
  // Waits until an item arrives or `deadline` (ms since epoch, <0 = forever).
  bool PopUntil(TimeMs deadline, TaskCompletion& out) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto ready = [&] { return !items_.empty(); };
    if (deadline < 0) {
      cv_.wait(lock, ready);
    } else {
      auto until = std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline));
      if (!cv_.wait_until(lock, until, ready)) return false;
    }
    out = std::move(items_.front());
    items_.pop_front();
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<TaskCompletion> items_;
};

}  // namespace

RunResult RunInMemory(std::shared_ptr<const workflows::Definition> definition, Json input,
                      const RunOptions& options) {
  RunResult result;
  std::string uuid = NewUuid();
  workflows::ExecutionInfo info;
  info.name = uuid;
  info.id = "hpcflow:execution:" + options.state_machine_name + ":" + uuid;
  info.state_machine_name = options.state_machine_name;
  info.state_machine_id = "hpcflow:stateMachine:" + options.state_machine_name;
  info.role_arn = "";
  info.random_seed = options.random_seed ? options.random_seed : RandomSeed();
  result.execution_id = info.id;

  workflows::Interpreter::Options interpreter_options;
  interpreter_options.max_payload_bytes = options.max_payload_bytes;
  interpreter_options.max_transitions_per_step = 100'000;
  workflows::Interpreter interpreter(std::move(definition), info, interpreter_options);
  CompletionQueue completions;
  LocalTaskExecutor executor(options.run_dir + "/" + uuid, info.id,
                             [&completions](TaskCompletion c) { completions.Push(std::move(c)); });
  std::multimap<TimeMs, uint64_t> timers;
  std::map<uint64_t, TimeMs> timer_due;
  size_t running_tasks = 0;
  bool more = false;

  auto apply = [&](Effects effects) {
    more = effects.more;
    for (const auto& t : effects.start_timers) {
      timers.emplace(t.fire_at, t.timer_id);
      timer_due[t.timer_id] = t.fire_at;
    }
    for (uint64_t id : effects.cancel_timers) {
      auto due = timer_due.find(id);
      if (due == timer_due.end()) continue;
      auto range = timers.equal_range(due->second);
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second == id) {
          timers.erase(it);
          break;
        }
      }
      timer_due.erase(due);
    }
    for (uint64_t id : effects.cancel_tasks) {
      executor.Cancel(id);
      if (running_tasks > 0) --running_tasks;
    }
    for (const auto& task : effects.start_tasks) {
      ++running_tasks;
      executor.Start(task);
    }
  };

  apply(interpreter.Start(std::move(input), NowMs()));
  while (interpreter.status() == ExecutionStatus::kRunning) {
    TimeMs now = NowMs();
    TaskCompletion ready;
    if (more) {
      // Cut at its step budget: let due timers and finished jobs in first.
      if (completions.PopUntil(0, ready)) {
        if (running_tasks > 0) --running_tasks;
        apply(ready.ok ? interpreter.OnTaskSucceeded(ready.task_id, std::move(ready.output), now)
                       : interpreter.OnTaskFailed(ready.task_id, std::move(ready.error), now));
        continue;
      }
      if (timers.empty() || timers.begin()->first > now) {
        apply(interpreter.Continue(now));
        continue;
      }
    }
    if (!timers.empty() && timers.begin()->first <= now) {
      uint64_t id = timers.begin()->second;
      timers.erase(timers.begin());
      timer_due.erase(id);
      apply(interpreter.OnTimerFired(id, now));
      continue;
    }
    if (timers.empty() && running_tasks == 0) {
      // Nothing can move the execution on: a bug, reported rather than hung.
      apply(interpreter.Stop({"hpcflow.Internal",
                              "the execution stalled with nothing to wait "
                              "for"},
                             now));
      break;
    }
    TaskCompletion completion;
    TimeMs deadline = timers.empty() ? -1 : timers.begin()->first;
    if (!completions.PopUntil(deadline, completion)) continue;
    if (running_tasks > 0) --running_tasks;
    if (completion.ok) {
      apply(interpreter.OnTaskSucceeded(completion.task_id, std::move(completion.output), NowMs()));
    } else {
      apply(interpreter.OnTaskFailed(completion.task_id, std::move(completion.error), NowMs()));
    }
  }
  executor.Shutdown();
  result.status = interpreter.status();
  result.output = interpreter.TakeOutput();
  result.error = interpreter.error();
  result.transitions = interpreter.transitions();
  return result;
}

std::string RunResultToJsonText(const RunResult& result) {
  if (result.status == ExecutionStatus::kSucceeded) {
    return "{\"status\":\"SUCCEEDED\",\"output\":" + DumpJson(result.output) + "}";
  }
  Json out = {{"status", workflows::ExecutionStatusName(result.status)}};
  if (!result.error.name.empty()) out["error"] = result.error.name;
  if (result.error.cause) out["cause"] = *result.error.cause;
  return DumpJson(out);
}

}  // namespace hpcflow::orchestrator
