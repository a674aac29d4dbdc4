// The runtime's pending timers (Waits, task timeouts, heartbeats, retry
// intervals) of all its executions: by due time, to fire them in order,
// and by execution, so that cancelling one timer or all of an ending
// execution's costs a lookup, not a walk of every pending timer (with
// thousands of executions open that walk made each end quadratic).
//
// Not thread-safe: the runtime's loop owns it.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_TIMER_QUEUE_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_TIMER_QUEUE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace hpcflow::orchestrator {

class TimerQueue {
 public:
  struct Timer {
    std::string execution_id;
    uint64_t timer_id = 0;
  };

  // Adds (or moves, when the execution already has this timer) a timer.
  void Add(int64_t fire_ms, const std::string& execution_id, uint64_t timer_id);
  // Removes one timer; unknown ones are ignored.
  void Cancel(const std::string& execution_id, uint64_t timer_id);
  // Removes every timer of the execution.
  void CancelAll(const std::string& execution_id);

  bool empty() const { return by_time_.empty(); }
  size_t size() const { return by_time_.size(); }
  // The earliest due time; only when not empty().
  int64_t next_fire_ms() const { return by_time_.begin()->first; }
  // Removes and returns the earliest timer if it is due at `now_ms`.
  std::optional<Timer> PopDue(int64_t now_ms);

 private:
  using ByTime = std::multimap<int64_t, Timer>;
  ByTime by_time_;
  std::unordered_map<std::string, std::map<uint64_t, ByTime::iterator>> by_execution_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_TIMER_QUEUE_H_
