// What becomes of a local job whose runner is gone: the lock of its
// directory is free, so no wrapper runs it (backends/job_dir.h).
//
// Its directory alone tells what happened, without trusting pids:
//   - `exit` exists: it ended, and that is its record;
//   - `started` exists without `exit`: its wrapper died while the job ran.
//     The job's leftovers are killed (backends/job_processes.h) before its
//     end is recorded as lost, so that a retry never overlaps it;
//   - neither: it never started (its wrapper died before the start gate
//     opened, or it was queued in a backend that is gone). It may be
//     started again, exactly once, by whoever holds its lock.
#ifndef HPCFLOW_BACKENDS_LOCAL_ABANDONED_JOB_H_
#define HPCFLOW_BACKENDS_LOCAL_ABANDONED_JOB_H_

#include <string>

#include "backends/job.h"

namespace hpcflow::backends {

enum class AbandonedJob {
  kEnded,         // its `exit` is there (it may have been written just now)
  kNeverStarted,  // nothing ran; the caller may start it (it holds the lock)
};

// The caller holds the job's lock. With `cancelling`, a job that never
// started, or whose wrapper died, is recorded as cancelled instead of
// lost (and so ends kEnded).
AbandonedJob SettleAbandonedJob(const std::string& job_dir, bool cancelling);

// How many times a wrapper was launched for the job in `job_dir` and died
// before the job started, as RecordWrapperRelaunch counted.
int WrapperRelaunches(const std::string& job_dir);
void RecordWrapperRelaunch(const std::string& job_dir);

// Records the end of a job that no wrapper will record (it never started, or
// its wrapper is gone): `exit` with `end`.
void RecordEndForWrapper(const std::string& job_dir, const JobEnd& end);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_ABANDONED_JOB_H_
