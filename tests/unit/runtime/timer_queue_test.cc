#include "orchestrator/runtime/timer_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hpcflow::orchestrator {
namespace {

std::vector<std::string> FireAll(TimerQueue& queue, int64_t now) {
  std::vector<std::string> fired;
  while (auto due = queue.PopDue(now)) {
    fired.push_back(due->execution_id + "/" + std::to_string(due->timer_id));
  }
  return fired;
}

TEST(TimerQueueTest, FiresInDueOrderAndOnlyWhenDue) {
  TimerQueue queue;
  queue.Add(300, "b", 1);
  queue.Add(100, "a", 1);
  queue.Add(200, "a", 2);
  EXPECT_EQ(queue.next_fire_ms(), 100);
  EXPECT_FALSE(queue.PopDue(99));
  EXPECT_EQ(FireAll(queue, 250), (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(FireAll(queue, 1000), (std::vector<std::string>{"b/1"}));
  EXPECT_TRUE(queue.empty());
}

TEST(TimerQueueTest, CancelsOneTimerOrAllOfAnExecution) {
  TimerQueue queue;
  queue.Add(100, "a", 1);
  queue.Add(100, "a", 2);
  queue.Add(100, "b", 1);
  queue.Cancel("a", 2);
  queue.Cancel("a", 99);      // unknown: ignored
  queue.Cancel("nobody", 1);  // unknown: ignored
  queue.CancelAll("b");
  queue.CancelAll("b");
  EXPECT_EQ(FireAll(queue, 100), (std::vector<std::string>{"a/1"}));
}

TEST(TimerQueueTest, AddingATimerAgainMovesIt) {
  TimerQueue queue;
  queue.Add(100, "a", 1);
  queue.Add(500, "a", 1);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.next_fire_ms(), 500);
}

}  // namespace
}  // namespace hpcflow::orchestrator
