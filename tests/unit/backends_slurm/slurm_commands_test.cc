#include "backends/slurm/slurm_commands.h"

#include <gtest/gtest.h>

#include <chrono>

namespace hpcflow::backends::slurm {
namespace {

TEST(IsTransientSlurmError, ControllerOutagesOnly) {
  EXPECT_TRUE(IsTransientSlurmError(
      "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n"));
  EXPECT_TRUE(IsTransientSlurmError(
      "sbatch: error: Batch job submission failed: Resource temporarily unavailable\n"));
  EXPECT_TRUE(IsTransientSlurmError(
      "squeue: error: slurm_load_jobs error: Unable to contact slurm controller (connect "
      "failure)\n"));
  EXPECT_TRUE(IsTransientSlurmError("slurm_load_partitions: Socket timed out\n"));
  EXPECT_FALSE(IsTransientSlurmError(
      "sbatch: error: Batch job submission failed: Invalid partition name specified\n"));
  EXPECT_FALSE(IsTransientSlurmError("slurm_load_jobs error: Invalid job id specified\n"));
  EXPECT_FALSE(IsTransientSlurmError(
      "sbatch: error: Batch job submission failed: Invalid job array specification\n"));
}

TEST(BackoffMs, DoublesUpToTheCap) {
  RetryPolicy policy{5, 500, 3000};
  EXPECT_EQ(BackoffMs(policy, 1), 500);
  EXPECT_EQ(BackoffMs(policy, 2), 1000);
  EXPECT_EQ(BackoffMs(policy, 3), 2000);
  EXPECT_EQ(BackoffMs(policy, 4), 3000);
  EXPECT_EQ(BackoffMs(policy, 30), 3000);
}

TEST(RunCommand, CapturesOutputAndExitCode) {
  auto out = RunCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 5000);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->out, "out\n");
  EXPECT_EQ(out->err, "err\n");
  EXPECT_FALSE(out->timed_out);
}

TEST(RunCommand, MissingProgramIsAnError) {
  auto out = RunCommand({"/nonexistent/sbatch"}, 5000);
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().cause.find("/nonexistent/sbatch"), std::string::npos);
}

TEST(RunCommand, TimeoutKillsTheCommand) {
  auto t0 = std::chrono::steady_clock::now();
  auto out = RunCommand({"/bin/sh", "-c", "sleep 30"}, 300);
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(SlurmCommands, CountsEveryRunByName) {
  SlurmCommands commands("/bin", 5000);
  ASSERT_TRUE(commands.Run("true", {}).has_value());
  ASSERT_TRUE(commands.Run("true", {}).has_value());
  auto out = commands.Run("false", {});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->exit_code, 1);
  auto counts = commands.Counts();
  EXPECT_EQ(counts["true"], 2);
  EXPECT_EQ(counts["false"], 1);
}

TEST(SlurmCommands, RetriesTransientErrorsOnly) {
  SlurmCommands commands("/bin", 5000);
  RetryPolicy policy{3, 1, 1};
  auto out = commands.RunRetrying("sh", {"-c", "echo 'Socket timed out' >&2; exit 1"}, policy);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(commands.Counts()["sh"], 3);
  out = commands.RunRetrying("sh", {"-c", "echo 'Invalid partition' >&2; exit 1"}, policy);
  EXPECT_EQ(commands.Counts()["sh"], 4);
}

}  // namespace
}  // namespace hpcflow::backends::slurm
