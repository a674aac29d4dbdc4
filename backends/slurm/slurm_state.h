// What a job's status is, from everything the backend can find out about it
// (pure, unit-tested): Slurm's record of it, the end its job wrapper wrote,
// and the markers in its job directory.
//
// The wrapper's record is preferred: it has the command's real exit code and
// times, where Slurm only knows about the batch script. Except when Slurm
// itself ended the job (TIMEOUT, CANCELLED, OUT_OF_MEMORY, NODE_FAIL, ...):
// its SIGTERM also reaches the wrapper's command, and the wrapper then
// records "killed by signal 15" (or an exit code above 128 from a shell);
// there, Slurm's state says why, so it wins over such a record.
#ifndef HPCFLOW_BACKENDS_SLURM_SLURM_STATE_H_
#define HPCFLOW_BACKENDS_SLURM_SLURM_STATE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "backends/slurm/slurm_parse.h"

namespace hpcflow::backends::slurm {

// False for the states of a job that has not ended yet (PENDING, RUNNING,
// COMPLETING, SUSPENDED, REQUEUED, ...); true for final states.
bool IsFinalSlurmState(const std::string& state);

struct JobEvidence {
  std::string job_id;                   // Slurm id, for details
  std::optional<SlurmJobRecord> slurm;  // nullopt: the controller and accounting know nothing
  std::optional<JobEnd> wrapper_end;    // JOB_DIR/exit
  bool started = false;                 // JOB_DIR/started exists
  bool cancelled_by_us = false;         // JOB_DIR/cancel exists (Cancel wrote it)
  // Other elements of the same array are still known to the controller: an
  // element missing among them was removed while pending (Slurm drops
  // pending elements that are cancelled instead of keeping a record).
  bool array_known = false;
  int64_t start_ms = 0;  // from JOB_DIR/started, 0 if unknown
  int64_t now_ms = 0;    // end time when nothing better is known
};

JobStatus DecideStatus(const JobEvidence& evidence);

// True for a wrapper's record of a command stopped by a signal, which is
// what a job that Slurm stopped leaves (a shell reports a signal as exit
// 128+N; a wrapper that gets SIGTERM itself records a cancel: it cannot tell
// scancel from a time limit or a preemption). Only Slurm's final state says
// who stopped such a job, so Reconcile asks Slurm about it.
bool LooksKilled(const JobEnd& end);

// True when Slurm says the job ended by itself (COMPLETED or FAILED, not a
// verdict of the scheduler's such as TIMEOUT or NODE_FAIL, nor our cancel)
// while its job wrapper never recorded a start: the wrapper died before its
// start gate opened (or the batch script failed before it ran the wrapper),
// so the job's command never ran and it may be submitted again.
bool EndedWithoutStarting(const JobEvidence& evidence);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_SLURM_STATE_H_
