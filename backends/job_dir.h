// Reading and writing the files of a job directory (backends/job.h JobFiles):
// the pieces the job wrapper and the process-based backends share.
//
// The lock file is the liveness signal: whoever runs the job (the wrapper,
// or the local backend while the job waits in its queue) holds an flock on
// it, so a job's state is known from its directory alone, after any crash,
// without trusting pids.
#ifndef HPCFLOW_BACKENDS_JOB_DIR_H_
#define HPCFLOW_BACKENDS_JOB_DIR_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "backends/job.h"
#include "common/json.h"
#include "common/result.h"

namespace hpcflow::backends {

// Milliseconds since the Unix epoch (the time stamps of started and exit).
int64_t WallClockMs();

// The JSON in `path`; nullopt when it is missing or not JSON.
std::optional<Json> ReadJsonFile(const std::string& path);

// DIR/cancel: a cancel asked of the job, by any backend. The wrapper looks
// for it before the job starts, right after `started`, and when recording
// the end (a cancel, whatever signal reached the job first).
void WriteCancelRequest(const std::string& job_dir);
bool CancelRequested(const std::string& job_dir);

// DIR/started, written by whoever starts the job.
struct StartedRecord {
  pid_t pid = 0;   // the wrapper (the process that holds the lock)
  pid_t pgid = 0;  // the job's own process group (its leader's pid)
  int64_t start_ms = 0;
  // Tell the job's processes from newcomers that reuse their pids
  // (backends/job_processes.h): the group leader's start time in clock ticks
  // since boot, and the boot.
  uint64_t start_ticks = 0;
  std::string boot_id;
};
std::optional<StartedRecord> ReadStarted(const std::string& job_dir);
Status WriteStarted(const std::string& job_dir, const StartedRecord& record);

// Opens DIR/lock (created if missing) close-on-exec. Returns -1 and sets
// errno on failure.
int OpenJobLock(const std::string& job_dir);

// True while someone holds DIR/lock. It tests by trying the lock, so it
// briefly takes a free lock: never call it for a job that a wrapper of ours
// might be about to lock by itself.
bool JobLockHeld(const std::string& job_dir);

// Blocks until DIR/lock is free, i.e. until the job's runner is gone. For
// the one waiter thread each running job has.
void WaitUntilJobUnlocked(const std::string& job_dir);

// Blocks until DIR/lock is free, then says how the job ended (kLost when no
// end was recorded). For callers that wait on one job on a thread of their
// own; a queued local job's lock is held too, so this waits for it to run.
JobEnd WaitForJobEnd(const std::string& job_dir);

// The status of a job from its directory alone: exit → ended (as recorded);
// lock held → running; started but unlocked → lost (the wrapper died);
// nothing → lost (never started). Callers check their own queue first.
JobStatus JobStatusFromDir(const std::string& job_dir);

// A JobEnd of kind kLost at the current time, with `detail`.
JobEnd LostEnd(const std::string& job_dir, std::string detail);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_DIR_H_
