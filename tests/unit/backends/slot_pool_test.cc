// The slot pool (pure): queue order, throttles, and putting a job whose
// runner died before it started back at the head of the queue.
#include "backends/slot_pool.h"

#include <gtest/gtest.h>

#include "backends/job.h"

namespace hpcflow::backends {
namespace {

using Keys = std::vector<std::string>;

TEST(SlotPool, FifoWithinTheSlotsAndThrottles) {
  SlotPool pool(2);
  int64_t map = pool.NewGroup(1);
  int64_t free = pool.NewGroup(0);
  pool.Enqueue("a", 1, map);
  pool.Enqueue("b", 1, map);
  pool.Enqueue("c", 1, free);
  EXPECT_TRUE(pool.IsQueued("b"));
  EXPECT_EQ(pool.TakeStartable(), (Keys{"a", "c"}));  // b waits for its group
  EXPECT_TRUE(pool.IsRunning("a"));
  EXPECT_FALSE(pool.IsQueued("a"));
  pool.Finish("a");
  EXPECT_EQ(pool.TakeStartable(), (Keys{"b"}));
  EXPECT_EQ(pool.in_use(), 2);
}

TEST(SlotPool, RequeuePutsARunningJobBackFirstWithItsSlotsFreed) {
  SlotPool pool(1);
  int64_t group = pool.NewGroup(0);
  pool.Enqueue("first", 1, group);
  pool.Enqueue("second", 1, group);
  EXPECT_EQ(pool.TakeStartable(), (Keys{"first"}));
  EXPECT_TRUE(pool.Requeue("first"));
  EXPECT_EQ(pool.in_use(), 0);
  EXPECT_TRUE(pool.IsQueued("first"));
  EXPECT_EQ(pool.TakeStartable(), (Keys{"first"}));
  EXPECT_FALSE(pool.Requeue("nobody"));
}

TEST(SlotPool, RemovingQueuedJobsKeepsTheOrder) {
  SlotPool pool(1);
  int64_t group = pool.NewGroup(0);
  for (const char* key : {"a", "b", "c"}) pool.Enqueue(key, 1, group);
  EXPECT_TRUE(pool.RemoveQueued("b"));
  EXPECT_FALSE(pool.RemoveQueued("b"));
  EXPECT_EQ(pool.TakeStartable(), (Keys{"a"}));
  pool.Finish("a");
  EXPECT_EQ(pool.TakeStartable(), (Keys{"c"}));
}

TEST(CheckEnvironment, TheRuleOfEveryBackend) {
  EXPECT_TRUE(CheckEnvironment({{"PATH", "/bin"}, {"_x1", ""}, {"V", "multi\nline"}}));
  for (const std::string& name : {std::string(""), std::string("A=B"), std::string("A\nB"),
                                  std::string("A\0B", 3), std::string("1X"), std::string("a-b")}) {
    auto checked = CheckEnvironment({{name, "x"}});
    ASSERT_FALSE(checked) << name;
    EXPECT_EQ(checked.error().name, "usage");
  }
  auto nul = CheckEnvironment({{"V", std::string("a\0b", 3)}});
  ASSERT_FALSE(nul);
  EXPECT_NE(nul.error().cause.find("NUL"), std::string::npos);
}

}  // namespace
}  // namespace hpcflow::backends
