// The local backend: jobs run as processes on this machine, each under a
// small wrapper (`hpcflow job-wrapper DIR`) that outlives the orchestrator.
//
// The job directory is the contract (backends/job.h):
//   - `lock` is held (flock) by the wrapper for as long as the job runs. The
//     submitter takes it before forking and hands it to the wrapper, so there
//     is no moment where a started job is unlocked;
//   - `started` is written by the wrapper when the command starts;
//   - `exit` is written (atomically) when the command ends.
// So after a crash a new orchestrator can tell, without any pid guessing, a
// job still running (lock held: adopt it), one that ended (exit present), one
// that never started (submit it), and one that died unreported (lost).
#ifndef HPCFLOW_BACKENDS_LOCAL_LOCAL_BACKEND_H_
#define HPCFLOW_BACKENDS_LOCAL_LOCAL_BACKEND_H_

#include <string>

#include "backends/job.h"
#include "common/result.h"

namespace hpcflow::backends {

struct SubmitOutcome {
  std::string job_id;  // the wrapper's pid, or "" when adopted without one
  bool adopted = false;  // the job had already been submitted: not started again
};

class LocalBackend {
 public:
  // `wrapper_command` starts a wrapper: e.g. {"/usr/bin/hpcflow", "job-wrapper"}.
  explicit LocalBackend(std::vector<std::string> wrapper_command)
      : wrapper_command_(std::move(wrapper_command)) {}

  // Starts the job unless its directory shows it was already started (then
  // adopts it). Idempotent: calling it twice for one job runs it once.
  // Errors: the directory cannot be written, fork fails.
  Result<SubmitOutcome> Submit(const JobSpec& spec) const;

  // Blocks until the job in `job_dir` is no longer running, then says how it
  // ended. Call from a watcher thread.
  static JobEnd WaitForEnd(const std::string& job_dir);

  // True while the job's wrapper holds its lock.
  static bool IsRunning(const std::string& job_dir);

  // Asks the job's process group to stop (SIGTERM, then SIGKILL after
  // `grace_ms`). Idempotent; a job that already ended is left alone.
  static void Cancel(const std::string& job_dir, int grace_ms = 3000);

 private:
  std::vector<std::string> wrapper_command_;
};

// The body of `hpcflow job-wrapper DIR`: runs the job described in DIR and
// records its end. Returns the wrapper's exit code.
int RunJobWrapper(const std::string& job_dir);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_LOCAL_BACKEND_H_
