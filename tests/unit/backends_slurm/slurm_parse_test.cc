#include "backends/slurm/slurm_parse.h"

#include <gtest/gtest.h>

namespace hpcflow::backends::slurm {
namespace {

TEST(ParseSbatchJobId, PlainAndWithCluster) {
  EXPECT_EQ(ParseSbatchJobId("4242\n"), "4242");
  EXPECT_EQ(ParseSbatchJobId("4242;hpcflowtest\n"), "4242");
  EXPECT_FALSE(ParseSbatchJobId("").has_value());
  EXPECT_FALSE(ParseSbatchJobId("Submitted batch job 12\n").has_value());
}

// Captured from Slurm 22.05 (the test cluster): a failed plain job (exit 3),
// a throttled array with elements completed, pending and running.
constexpr const char* kSqueue =
    "1|FAILED|NonZeroExitCode|768|\n"
    "2_2|COMPLETED|None|0|\n"
    "2_1|COMPLETED|None|0|\n"
    "2_0|COMPLETED|None|0|\n"
    "2_4|PENDING|JobArrayTaskLimit|0|\n"
    "2_5|PENDING|JobArrayTaskLimit|0|\n"
    "2_3|RUNNING|None|0|\n"
    "9|CANCELLED|None|15|\n";

TEST(ParseSqueueRecords, CapturedOutput) {
  auto records = ParseSqueueRecords(kSqueue);
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[0].job_id, "1");
  EXPECT_EQ(records[0].state, "FAILED");
  EXPECT_EQ(records[0].reason, "NonZeroExitCode");
  EXPECT_TRUE(records[0].exit_known);
  EXPECT_EQ(records[0].exit_code, 3);
  EXPECT_EQ(records[0].signal, 0);
  EXPECT_EQ(records[4].job_id, "2_4");
  EXPECT_EQ(records[4].state, "PENDING");
  EXPECT_EQ(records[4].reason, "JobArrayTaskLimit");
  EXPECT_EQ(records[7].state, "CANCELLED");
  EXPECT_EQ(records[7].exit_code, 0);
  EXPECT_EQ(records[7].signal, 15);
}

TEST(ParseSqueueRecords, SkipsWhatDoesNotFit) {
  auto records = ParseSqueueRecords(
      "slurm_load_jobs error: Socket timed out\n"
      "2_[4-9]|PENDING|JobArrayTaskLimit|0|\n"
      "x|RUNNING|None|0|\n"
      "12|RUNNING|None||\n"
      "\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].job_id, "12");
  EXPECT_FALSE(records[0].exit_known);
}

TEST(ParseSqueueNames, NewestJobOfANameWins) {
  auto names = ParseSqueueNames(
      "7|hpcflow-array-3-00ff|\n"
      "7|hpcflow-array-3-00ff\n"
      "12|exec.Task.1\n"
      "31|exec.Task.1\n"
      "4|exec.Task.2\n");
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(names["exec.Task.1"], "31");
  EXPECT_EQ(names["exec.Task.2"], "4");
}

TEST(ParseSacctRecords, StatesWithDetailsStepsAndRanges) {
  // sacct --noheader --parsable2 --allocations --format=JobID,State,ExitCode
  auto records = ParseSacctRecords(
      "4242|COMPLETED|0:0\n"
      "4243_7|CANCELLED by 0|0:15\n"
      "4243_[8-9]|PENDING|0:0\n"
      "4244|FAILED|3:0\n"
      "4244.batch|FAILED|3:0\n"
      "4245|OUT_OF_MEMORY|0:125\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].job_id, "4243_7");
  EXPECT_EQ(records[1].state, "CANCELLED");
  EXPECT_EQ(records[1].signal, 15);
  EXPECT_EQ(records[2].exit_code, 3);
  EXPECT_EQ(records[3].state, "OUT_OF_MEMORY");
}

TEST(ParseConfigValue, CapturedScontrolShowConfig) {
  const char* out =
      "Configuration data as of 2026-11-22T01:05:13\n"
      "AccountingStorageType   = accounting_storage/none\n"
      "MaxArraySize            = 1001\n"
      "MinJobAge               = 3600 sec\n"
      "SchedulerParameters     = sched_interval=1,bf_interval=1\n";
  EXPECT_EQ(ParseConfigValue(out, "MaxArraySize"), "1001");
  EXPECT_EQ(ParseConfigValue(out, "AccountingStorageType"), "accounting_storage/none");
  EXPECT_EQ(ParseConfigValue(out, "SchedulerParameters"), "sched_interval=1,bf_interval=1");
  EXPECT_FALSE(ParseConfigValue(out, "MaxArray").has_value());
}

TEST(SplitSlurmJobId, PlainAndElement) {
  EXPECT_EQ(SplitSlurmJobId("4242").base, "4242");
  EXPECT_EQ(SplitSlurmJobId("4242").index, -1);
  EXPECT_EQ(SplitSlurmJobId("4242_7").base, "4242");
  EXPECT_EQ(SplitSlurmJobId("4242_7").index, 7);
}

TEST(CompressJobIds, RangesPerArray) {
  EXPECT_EQ(CompressJobIds({"7_1", "7_2", "7_3", "7_5", "9", "7_9", "8_0", "9"}),
            (std::vector<std::string>{"7_[1-3,5,9]", "9", "8_0"}));
  EXPECT_TRUE(CompressJobIds({}).empty());
}

}  // namespace
}  // namespace hpcflow::backends::slurm
