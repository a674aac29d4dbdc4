#include "backends/slurm/slurm_state.h"

#include <gtest/gtest.h>

namespace hpcflow::backends::slurm {
namespace {

using Kind = JobEnd::Kind;

SlurmJobRecord Slurm(const std::string& state, int exit_code = 0, int signal = 0) {
  SlurmJobRecord record;
  record.job_id = "42";
  record.state = state;
  record.exit_known = true;
  record.exit_code = exit_code;
  record.signal = signal;
  return record;
}

JobEnd Exited(int code) {
  JobEnd end;
  end.kind = Kind::kExited;
  end.exit_code = code;
  end.start_ms = 1000;
  end.end_ms = 2000;
  return end;
}

JobEnd Signaled(int signal) {
  JobEnd end;
  end.kind = Kind::kSignaled;
  end.signal = signal;
  end.end_ms = 2000;
  return end;
}

JobEvidence Evidence(std::optional<SlurmJobRecord> slurm, std::optional<JobEnd> end,
                     bool started = true) {
  JobEvidence e;
  e.job_id = "42";
  e.slurm = std::move(slurm);
  e.wrapper_end = std::move(end);
  e.started = started;
  e.now_ms = 5000;
  return e;
}

TEST(DecideStatus, PendingAndRunning) {
  EXPECT_EQ(DecideStatus(Evidence(Slurm("PENDING"), std::nullopt, false)).kind,
            JobStatus::Kind::kQueued);
  EXPECT_EQ(DecideStatus(Evidence(Slurm("RUNNING"), std::nullopt)).kind, JobStatus::Kind::kRunning);
  EXPECT_EQ(DecideStatus(Evidence(Slurm("COMPLETING"), std::nullopt)).kind,
            JobStatus::Kind::kRunning);
  // Requeued and pending again after having started once.
  EXPECT_EQ(DecideStatus(Evidence(Slurm("PENDING"), std::nullopt, true)).kind,
            JobStatus::Kind::kRunning);
}

TEST(DecideStatus, WrapperRecordWinsForNormalEnds) {
  auto status = DecideStatus(Evidence(Slurm("COMPLETED"), Exited(3)));
  EXPECT_EQ(status.kind, JobStatus::Kind::kEnded);
  EXPECT_EQ(status.end.kind, Kind::kExited);
  EXPECT_EQ(status.end.exit_code, 3);
  EXPECT_EQ(status.end.start_ms, 1000);
  // Even while Slurm still lists it running (the wrapper is reporting).
  EXPECT_EQ(DecideStatus(Evidence(Slurm("RUNNING"), Exited(0))).end.kind, Kind::kExited);
  // And when Slurm has forgotten the job.
  EXPECT_EQ(DecideStatus(Evidence(std::nullopt, Exited(0))).end.exit_code, 0);
}

TEST(DecideStatus, SlurmWinsOverAKilledRecord) {
  struct Case {
    const char* state;
    Kind kind;
  };
  for (auto [state, kind] :
       {Case{"TIMEOUT", Kind::kTimedOut}, Case{"DEADLINE", Kind::kTimedOut},
        Case{"CANCELLED", Kind::kCancelled}, Case{"OUT_OF_MEMORY", Kind::kOutOfMemory},
        Case{"NODE_FAIL", Kind::kNodeFail}, Case{"PREEMPTED", Kind::kPreempted},
        Case{"BOOT_FAIL", Kind::kBootFail}}) {
    auto with_signal = DecideStatus(Evidence(Slurm(state, 0, 15), Signaled(15)));
    EXPECT_EQ(with_signal.kind, JobStatus::Kind::kEnded) << state;
    EXPECT_EQ(with_signal.end.kind, kind) << state;
    EXPECT_NE(with_signal.end.detail.find(state), std::string::npos) << with_signal.end.detail;
    // A shell reports SIGTERM as 143.
    EXPECT_EQ(DecideStatus(Evidence(Slurm(state), Exited(143))).end.kind, kind) << state;
    // No record at all.
    EXPECT_EQ(DecideStatus(Evidence(Slurm(state), std::nullopt)).end.kind, kind) << state;
  }
}

// Regression: a wrapper that Slurm's time limit stopped records a cancel
// ("stopped by signal 15"). Reconcile took that as final without asking
// Slurm, and JobOverItsTimeLimitTimesOut ended kCancelled when Slurm's
// limit fired before the wrapper's own (CI, 2026-12-03).
TEST(DecideStatus, AWrapperStoppedBySignalIsSlurmsToJudge) {
  JobEnd stopped;
  stopped.kind = Kind::kCancelled;
  stopped.detail = "the job wrapper was stopped by signal 15";
  EXPECT_TRUE(LooksKilled(stopped));
  EXPECT_TRUE(LooksKilled(Signaled(9)));
  EXPECT_TRUE(LooksKilled(Exited(143)));
  EXPECT_FALSE(LooksKilled(Exited(0)));
  EXPECT_FALSE(LooksKilled(Exited(3)));
  EXPECT_EQ(DecideStatus(Evidence(Slurm("TIMEOUT"), stopped)).end.kind, Kind::kTimedOut);
  EXPECT_EQ(DecideStatus(Evidence(Slurm("PREEMPTED"), stopped)).end.kind, Kind::kPreempted);
}

TEST(DecideStatus, KilledRecordWaitsForSlurmsVerdict) {
  EXPECT_EQ(DecideStatus(Evidence(Slurm("RUNNING"), Signaled(15))).kind, JobStatus::Kind::kRunning);
}

TEST(DecideStatus, KilledRecordOfAJobSlurmSaysCompleted) {
  // Killed by someone else (not Slurm): the record says how.
  auto status = DecideStatus(Evidence(Slurm("COMPLETED"), Signaled(9)));
  EXPECT_EQ(status.end.kind, Kind::kSignaled);
  EXPECT_EQ(status.end.signal, 9);
}

TEST(DecideStatus, CompletedWithoutRecordIsLost) {
  auto status = DecideStatus(Evidence(Slurm("COMPLETED"), std::nullopt));
  EXPECT_EQ(status.end.kind, Kind::kLost);
  EXPECT_NE(status.end.detail.find("COMPLETED"), std::string::npos);
  EXPECT_EQ(status.end.end_ms, 5000);
}

TEST(DecideStatus, FailedWithoutRecordUsesSlurmsExitCode) {
  auto status = DecideStatus(Evidence(Slurm("FAILED", 127), std::nullopt, false));
  EXPECT_EQ(status.end.kind, Kind::kExited);
  EXPECT_EQ(status.end.exit_code, 127);
  EXPECT_NE(status.end.detail.find("FAILED"), std::string::npos);
}

TEST(DecideStatus, UnknownEverywhere) {
  auto lost = DecideStatus(Evidence(std::nullopt, std::nullopt));
  EXPECT_EQ(lost.kind, JobStatus::Kind::kEnded);
  EXPECT_EQ(lost.end.kind, Kind::kLost);
  EXPECT_NE(lost.end.detail.find("42"), std::string::npos);

  auto cancelled = Evidence(std::nullopt, std::nullopt, false);
  cancelled.cancelled_by_us = true;
  EXPECT_EQ(DecideStatus(cancelled).end.kind, Kind::kCancelled);

  // A pending element removed from its array, which Slurm still knows.
  auto removed = Evidence(std::nullopt, std::nullopt, false);
  removed.array_known = true;
  EXPECT_EQ(DecideStatus(removed).end.kind, Kind::kCancelled);
  // ...but one that had started and vanished is lost.
  removed.started = true;
  EXPECT_EQ(DecideStatus(removed).end.kind, Kind::kLost);
}

TEST(IsFinalSlurmState, FinalAndNot) {
  for (const char* s : {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL",
                        "PREEMPTED", "BOOT_FAIL", "DEADLINE"}) {
    EXPECT_TRUE(IsFinalSlurmState(s)) << s;
  }
  for (const char* s : {"PENDING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "CONFIGURING",
                        "RESIZING", "STAGE_OUT", "SIGNALING", "REQUEUE_HOLD"}) {
    EXPECT_FALSE(IsFinalSlurmState(s)) << s;
  }
}

TEST(DecideStatus, FailedAfterTheWrapperStartedWithoutAnEndIsLost) {
  SlurmJobRecord record = Slurm("FAILED", 0);
  record.signal = 9;
  auto status = DecideStatus(Evidence(record, std::nullopt, true));
  EXPECT_EQ(status.end.kind, Kind::kLost);
  EXPECT_NE(status.end.detail.find("wrapper was killed"), std::string::npos) << status.end.detail;
}

TEST(EndedWithoutStarting, OnlyWhenSlurmEndedItAndNothingStarted) {
  EXPECT_TRUE(EndedWithoutStarting(Evidence(Slurm("FAILED", 1), std::nullopt, false)));
  EXPECT_TRUE(EndedWithoutStarting(Evidence(Slurm("COMPLETED"), std::nullopt, false)));
  // Started, recorded, still running, a verdict of the scheduler, our cancel:
  // something may have run, or Slurm's word stands.
  EXPECT_FALSE(EndedWithoutStarting(Evidence(Slurm("FAILED", 1), std::nullopt, true)));
  EXPECT_FALSE(EndedWithoutStarting(Evidence(Slurm("COMPLETED"), Exited(0), false)));
  EXPECT_FALSE(EndedWithoutStarting(Evidence(Slurm("RUNNING"), std::nullopt, false)));
  EXPECT_FALSE(EndedWithoutStarting(Evidence(Slurm("NODE_FAIL"), std::nullopt, false)));
  EXPECT_FALSE(EndedWithoutStarting(Evidence(Slurm("TIMEOUT"), std::nullopt, false)));
  EXPECT_FALSE(EndedWithoutStarting(Evidence(std::nullopt, std::nullopt, false)));
  auto cancelled = Evidence(Slurm("FAILED", 1), std::nullopt, false);
  cancelled.cancelled_by_us = true;
  EXPECT_FALSE(EndedWithoutStarting(cancelled));
}

}  // namespace
}  // namespace hpcflow::backends::slurm
