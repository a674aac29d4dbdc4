#include "backends/slurm/array_plan.h"

#include <gtest/gtest.h>

namespace hpcflow::backends::slurm {
namespace {

std::vector<JobSpec> Jobs(int n, int cpus = 1) {
  std::vector<JobSpec> jobs(static_cast<size_t>(n));
  for (auto& job : jobs) job.cpus = cpus;
  return jobs;
}

std::vector<const JobSpec*> Pointers(const std::vector<JobSpec>& jobs) {
  std::vector<const JobSpec*> out;
  for (const auto& job : jobs) out.push_back(&job);
  return out;
}

std::vector<size_t> Sizes(const std::vector<SubmitUnit>& units) {
  std::vector<size_t> sizes;
  for (const auto& unit : units) sizes.push_back(unit.jobs.size());
  return sizes;
}

TEST(PlanUnits, OneArrayWhenItFits) {
  auto jobs = Jobs(1000);
  auto units = PlanUnits(Pointers(jobs), 1001, 0);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_TRUE(units[0].is_array);
  EXPECT_EQ(units[0].throttle, 0);
  EXPECT_EQ(units[0].after_unit, -1);
  EXPECT_EQ(units[0].jobs.front(), 0u);
  EXPECT_EQ(units[0].jobs.back(), 999u);
}

TEST(PlanUnits, ExactlyMaxArraySizeIsOneChunk) {
  // Indices 0..MaxArraySize-1 are all below MaxArraySize.
  auto jobs = Jobs(1001);
  EXPECT_EQ(Sizes(PlanUnits(Pointers(jobs), 1001, 0)), (std::vector<size_t>{1001}));
  auto more = Jobs(1002);
  EXPECT_EQ(Sizes(PlanUnits(Pointers(more), 1001, 0)), (std::vector<size_t>{1001, 1}));
}

TEST(PlanUnits, ChunksBelowMaxArraySize) {
  auto jobs = Jobs(12);
  auto units = PlanUnits(Pointers(jobs), 5, 0);
  EXPECT_EQ(Sizes(units), (std::vector<size_t>{5, 5, 2}));
  EXPECT_EQ(units[1].jobs.front(), 5u);
  EXPECT_EQ(units[2].jobs.back(), 11u);
  for (const auto& unit : units) {
    EXPECT_EQ(unit.after_unit, -1);
    EXPECT_EQ(unit.throttle, 0);
  }
}

TEST(PlanUnits, TenThousandItemsStayWithinTenCalls) {
  auto jobs = Jobs(10000);
  EXPECT_EQ(PlanUnits(Pointers(jobs), 1001, 100).size(), 10u);
}

TEST(PlanUnits, OneJobIsAPlainJob) {
  auto jobs = Jobs(1);
  auto units = PlanUnits(Pointers(jobs), 1001, 5);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_FALSE(units[0].is_array);
  EXPECT_EQ(units[0].throttle, 0);
}

TEST(PlanUnits, GroupsByResources) {
  std::vector<JobSpec> jobs = Jobs(5);
  jobs[1].memory_mb = 100;
  jobs[3].memory_mb = 100;
  jobs[4].partition = "big";
  auto units = PlanUnits(Pointers(jobs), 1001, 0);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].jobs, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(units[1].jobs, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(units[2].jobs, (std::vector<size_t>{4}));
  EXPECT_FALSE(units[2].is_array);
}

TEST(PlanUnits, ThrottleOfOneArray) {
  auto jobs = Jobs(200);
  auto units = PlanUnits(Pointers(jobs), 1001, 20);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].throttle, 20);
  // A throttle as large as the array limits nothing.
  auto small = Jobs(5);
  EXPECT_EQ(PlanUnits(Pointers(small), 1001, 20)[0].throttle, 0);
}

// Shares of the throttle over chunks that run side by side sum to it.
TEST(PlanUnits, ThrottleIsSharedAcrossChunks) {
  auto jobs = Jobs(30);
  auto units = PlanUnits(Pointers(jobs), 10, 20);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].throttle, 7);
  EXPECT_EQ(units[1].throttle, 7);
  EXPECT_EQ(units[2].throttle, 6);
  for (const auto& unit : units) EXPECT_EQ(unit.after_unit, -1);
}

// More chunks than the throttle: chunks queue behind each other in lanes.
TEST(PlanUnits, MoreChunksThanThrottleChainInLanes) {
  auto jobs = Jobs(12);
  auto units = PlanUnits(Pointers(jobs), 2, 2);  // 6 chunks of 2, throttle 2
  ASSERT_EQ(units.size(), 6u);
  for (size_t u = 0; u < units.size(); ++u) {
    EXPECT_EQ(units[u].throttle, 1) << u;
    EXPECT_EQ(units[u].after_unit, u < 2 ? -1 : static_cast<int>(u) - 2) << u;
  }
  // Whatever runs at once (one unit per lane) stays within the throttle.
  int lanes_total = 0;
  for (size_t u = 0; u < 2; ++u) lanes_total += units[u].throttle;
  EXPECT_EQ(lanes_total, 2);
}

TEST(PlanUnits, ArraysUnavailable) {
  auto jobs = Jobs(3);
  auto units = PlanUnits(Pointers(jobs), 1, 0);
  EXPECT_EQ(Sizes(units), (std::vector<size_t>{1, 1, 1}));
  for (const auto& unit : units) EXPECT_FALSE(unit.is_array);
}

}  // namespace
}  // namespace hpcflow::backends::slurm
