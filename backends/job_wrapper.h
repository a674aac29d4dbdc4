// The job wrapper: the small process every job runs under, on every backend.
//
// `hpcflow job-wrapper DIR` (the local backend starts it detached; a Slurm
// batch script runs it) reads DIR/spec.json, holds DIR/lock for as long as
// the job runs, runs the command in its own process group with stdout and
// stderr to DIR/stdout and DIR/stderr, stops it at its time limit, records
// DIR/started and DIR/exit (atomically), and then reports the end through
// `report` (the orchestrator passes one that sends it to the callback API).
//
// The lock: a wrapper started by the local backend inherits the backend's
// already-locked descriptor (its number in HPCFLOW_LOCK_FD, which the job
// does not see), so a job is never unlocked between submission and end.
// Otherwise the wrapper takes the lock itself, and when someone else holds
// it (another wrapper runs this job) exits at once without running anything.
//
// Stopping: SIGTERM, SIGINT and SIGHUP sent to the wrapper are forwarded to
// the job's process group, with SIGKILL kJobStopGraceMs later if the job is
// still there; the end is then kCancelled, as it is when DIR/cancel exists
// (backends write it before they signal). Past spec.time_limit_s the job's
// group gets SIGTERM, then SIGKILL after the same grace, and the end is
// kTimedOut. Processes the job leaves behind in its group when its main
// process ends are killed, as a scheduler would.
#ifndef HPCFLOW_BACKENDS_JOB_WRAPPER_H_
#define HPCFLOW_BACKENDS_JOB_WRAPPER_H_

#include <functional>
#include <optional>
#include <string>

#include "backends/job.h"

namespace hpcflow::backends {

// How long a job gets between SIGTERM and SIGKILL when it is stopped.
inline constexpr int kJobStopGraceMs = 5000;

// The wrapper's exit codes besides 0 and 2 (see RunJobWrapper).
inline constexpr int kJobWrapperBusy = 3;     // another wrapper holds the lock
inline constexpr int kJobWrapperIoError = 4;  // the end could not be recorded

// The environment variable that passes an inherited, locked DIR/lock.
inline constexpr char kLockFdVariable[] = "HPCFLOW_LOCK_FD";

// Returns the wrapper's exit code: 0 once the job's end is recorded
// (whatever the job's own exit code), also when DIR/exit already existed
// (nothing is run again then, nor reported); 2 when DIR holds no readable
// spec; kJobWrapperBusy, kJobWrapperIoError.
int RunJobWrapper(const std::string& job_dir, const std::function<void(const JobEnd&)>& report);

// How the job in `job_dir` ended, from its `exit` file; nullopt while it
// has not ended (or never started). An exit file that is not a JobEnd reads
// as kLost, with a detail saying so.
std::optional<JobEnd> ReadJobEnd(const std::string& job_dir);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_WRAPPER_H_
