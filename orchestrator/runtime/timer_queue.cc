#include "orchestrator/runtime/timer_queue.h"

namespace hpcflow::orchestrator {

void TimerQueue::Add(int64_t fire_ms, const std::string& execution_id, uint64_t timer_id) {
  Cancel(execution_id, timer_id);
  auto it = by_time_.emplace(fire_ms, Timer{execution_id, timer_id});
  by_execution_[execution_id][timer_id] = it;
}

void TimerQueue::Cancel(const std::string& execution_id, uint64_t timer_id) {
  auto execution = by_execution_.find(execution_id);
  if (execution == by_execution_.end()) return;
  auto timer = execution->second.find(timer_id);
  if (timer == execution->second.end()) return;
  by_time_.erase(timer->second);
  execution->second.erase(timer);
  if (execution->second.empty()) by_execution_.erase(execution);
}

void TimerQueue::CancelAll(const std::string& execution_id) {
  auto execution = by_execution_.find(execution_id);
  if (execution == by_execution_.end()) return;
  for (const auto& [timer_id, it] : execution->second) by_time_.erase(it);
  by_execution_.erase(execution);
}

std::optional<TimerQueue::Timer> TimerQueue::PopDue(int64_t now_ms) {
  if (by_time_.empty() || by_time_.begin()->first > now_ms) return std::nullopt;
  Timer due = by_time_.begin()->second;
  Cancel(due.execution_id, due.timer_id);
  return due;
}

}  // namespace hpcflow::orchestrator
