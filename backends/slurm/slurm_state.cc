#include "backends/slurm/slurm_state.h"

#include <array>
#include <utility>

namespace hpcflow::backends::slurm {

namespace {

using Kind = JobEnd::Kind;

// Final states in which Slurm itself ended the job, and what they mean.
constexpr std::array<std::pair<const char*, Kind>, 7> kSlurmEnded = {{
    {"TIMEOUT", Kind::kTimedOut},
    {"DEADLINE", Kind::kTimedOut},
    {"CANCELLED", Kind::kCancelled},
    {"OUT_OF_MEMORY", Kind::kOutOfMemory},
    {"NODE_FAIL", Kind::kNodeFail},
    {"PREEMPTED", Kind::kPreempted},
    {"BOOT_FAIL", Kind::kBootFail},
}};

constexpr std::array<const char*, 8> kFinal = {"COMPLETED", "FAILED",    "TIMEOUT",
                                               "DEADLINE",  "CANCELLED", "OUT_OF_MEMORY",
                                               "NODE_FAIL", "PREEMPTED"};

JobStatus Ended(JobEnd end) {
  JobStatus status;
  status.kind = JobStatus::Kind::kEnded;
  status.end = std::move(end);
  return status;
}

JobStatus Ended(Kind kind, const JobEvidence& evidence, std::string detail) {
  JobEnd end;
  end.kind = kind;
  end.start_ms = evidence.start_ms;
  end.end_ms = evidence.wrapper_end ? evidence.wrapper_end->end_ms : evidence.now_ms;
  if (end.end_ms == 0) end.end_ms = evidence.now_ms;
  if (evidence.wrapper_end && evidence.wrapper_end->start_ms != 0) {
    end.start_ms = evidence.wrapper_end->start_ms;
  }
  end.detail = std::move(detail);
  return Ended(std::move(end));
}

}  // namespace

bool LooksKilled(const JobEnd& end) {
  return end.kind == Kind::kSignaled || end.kind == Kind::kCancelled ||
         (end.kind == Kind::kExited && end.exit_code > 128);
}

bool IsFinalSlurmState(const std::string& state) {
  for (const char* final_state : kFinal) {
    if (state == final_state) return true;
  }
  return state == "BOOT_FAIL" || state == "REVOKED" || state == "SPECIAL_EXIT";
}

JobStatus DecideStatus(const JobEvidence& evidence) {
  const auto& record = evidence.wrapper_end;
  const std::string where = "Slurm job " + evidence.job_id;
  // The command ended by itself: the wrapper knows best.
  if (record && !LooksKilled(*record)) return Ended(*record);

  if (evidence.slurm) {
    const SlurmJobRecord& slurm = *evidence.slurm;
    if (!IsFinalSlurmState(slurm.state)) {
      JobStatus status;
      // A killed record while Slurm is still ending the job: wait for
      // Slurm's final state, which says who killed it.
      bool running = evidence.started || record || slurm.state != "PENDING";
      status.kind = running ? JobStatus::Kind::kRunning : JobStatus::Kind::kQueued;
      return status;
    }
    for (const auto& [state, kind] : kSlurmEnded) {
      if (slurm.state == state) {
        std::string detail = where + " ended " + slurm.state;
        if (!slurm.reason.empty() && slurm.reason != "None") detail += " (" + slurm.reason + ")";
        return Ended(kind, evidence, detail);
      }
    }
    if (record) return Ended(*record);
    if (slurm.state == "FAILED" && evidence.started) {
      // The wrapper recorded the start but no end: it was killed (the OOM
      // killer, an administrator). Slurm saw its batch step end: the job is
      // gone with it.
      return Ended(Kind::kLost, evidence,
                   where + " FAILED" +
                       (slurm.signal != 0 ? " (signal " + std::to_string(slurm.signal) + ")"
                                          : std::string()) +
                       ": its job wrapper was killed while the job ran");
    }
    if (slurm.state == "FAILED" && slurm.exit_known) {
      JobStatus status =
          Ended(Kind::kExited, evidence,
                where + " FAILED: its batch script exited " + std::to_string(slurm.exit_code) +
                    " before the job wrapper recorded an end (see the job's "
                    "slurm.err)");
      status.end.exit_code = slurm.exit_code;
      if (slurm.signal != 0) {
        status.end.kind = Kind::kSignaled;
        status.end.signal = slurm.signal;
      }
      return status;
    }
    return Ended(Kind::kLost, evidence,
                 where + " ended " + slurm.state +
                     (evidence.started ? " but its job wrapper recorded no end (killed?)"
                                       : " without its job wrapper ever starting"));
  }

  // Slurm knows nothing (any more).
  if (record) return Ended(*record);
  if (evidence.cancelled_by_us) {
    return Ended(Kind::kCancelled, evidence, where + " was cancelled");
  }
  if (evidence.array_known && !evidence.started) {
    return Ended(Kind::kCancelled, evidence,
                 where + " was removed from its array while pending (scancel)");
  }
  return Ended(
      Kind::kLost, evidence,
      where + " is unknown to the Slurm controller" +
          (evidence.started ? " and its job wrapper recorded no end" : " and never started") +
          " (purged after MinJobAge, or the job vanished)");
}

bool EndedWithoutStarting(const JobEvidence& evidence) {
  if (evidence.started || evidence.wrapper_end || evidence.cancelled_by_us || !evidence.slurm) {
    return false;
  }
  const std::string& state = evidence.slurm->state;
  return state == "COMPLETED" || state == "FAILED";
}

}  // namespace hpcflow::backends::slurm
