// The local backend: jobs run as processes on this machine, each under the
// job wrapper (`hpcflow job-wrapper DIR`, backends/job_wrapper.h), started
// detached so that it outlives the orchestrator.
//
// Slots: the machine has `cores` slots; a job takes cpus * tasks of them
// (at most all). Jobs wait in a FIFO queue until theirs are free, and
// SubmitOptions::max_concurrent throttles the jobs of one Submit call. A
// job's end frees its slots: each running job has one thread blocked on its
// lock (no polling), or, for wrappers started by the job launcher, the
// launcher's word that the wrapper exited.
//
// The job directory is the contract (backends/job.h, backends/job_dir.h):
//   - `lock` is held (flock) from Submit on: by the backend while the job is
//     queued, then by the wrapper, which inherits the locked descriptor, for
//     as long as the job runs. So there is no moment where a live job is
//     unlocked;
//   - `started` is written by the wrapper when the command starts;
//   - `exit` is written (atomically) when the job ends;
//   - `cancel` is written by Cancel before it signals the job.
// So after a crash a new backend tells, without any pid guessing, a job
// still running (lock held: adopt it), one that ended (exit present), one
// that never started (run it), and one that died unreported (lost).
//
// Thread-safe. Jobs outlive the backend object: destroying it only drops
// the jobs still queued (they never started; a later Submit runs them).
#ifndef HPCFLOW_BACKENDS_LOCAL_LOCAL_BACKEND_H_
#define HPCFLOW_BACKENDS_LOCAL_LOCAL_BACKEND_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends/backend.h"
#include "backends/job.h"
#include "common/result.h"

namespace hpcflow::backends {

struct LocalOptions {
  // Slots of this machine (below 1 counts as 1).
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  // Starts a job wrapper, e.g. {"/usr/bin/hpcflow", "job-wrapper"}; the job
  // directory is appended.
  std::vector<std::string> wrapper_command;
  // Starts the job launcher, e.g. {"/usr/bin/hpcflow", "job-launcher"}
  // (backends/local/job_launcher.h): wrappers are then forks of that one
  // small process, not a fork of the caller and an exec each. Empty: every
  // job's wrapper is started with wrapper_command (which also serves when
  // the launcher cannot be started).
  std::vector<std::string> launcher_command;
  // Called (from a thread of the backend, no lock held) with each end the
  // backend sees: a wrapper that exited, a job adopted after a restart that
  // ended, one lost with its wrapper. Wrappers started by the launcher do
  // not report their ends themselves: this is how they reach the caller.
  // An end may be reported twice (also by the wrapper, or again after a
  // restart). May be empty.
  std::function<void(const JobHandle&, const JobEnd&)> on_end;
  // Called (from any thread, no lock held) when a job that waited in the
  // slot pool starts: the runtime starts the task's clock then, so that
  // waiting for this machine's slots never counts against a timeout. Jobs
  // that start within their own Submit call are not reported. May be empty.
  std::function<void(const JobHandle&)> on_dequeued;
  // Called by Submit, before it returns, for each job of that call that
  // waits in the slot pool (on_dequeued follows when it starts).
  std::function<void(const JobHandle&)> on_queued;
};

class LocalBackend : public Backend {
 public:
  explicit LocalBackend(LocalOptions options);
  ~LocalBackend() override;
  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  std::string Name() const override { return "local"; }

  // Starts (or queues) each job unless its directory shows it was submitted
  // before: then it is adopted (a running one counts against the slots).
  // A handle's job_id is the wrapper's pid, "" while the job is queued.
  // Errors ("usage": a spec without an absolute job_dir or a command; "io":
  // a job directory cannot be written); no job of the call is queued then.
  Result<std::vector<JobHandle>> Submit(const std::vector<JobSpec>& jobs,
                                        const SubmitOptions& options) override;

  // A queued job leaves the queue and ends kCancelled (its exit is written
  // here); a running one gets DIR/cancel, then SIGTERM to its process group
  // and to its wrapper, which sends SIGKILL kJobStopGraceMs later and
  // records kCancelled. Does not block.
  void Cancel(const std::vector<JobHandle>& jobs) override;

  // exit file → kEnded as recorded; queued here → kQueued; lock held →
  // kRunning; otherwise kEnded/kLost ("the wrapper died without recording
  // the end", or "never started").
  std::vector<JobStatus> Reconcile(const std::vector<JobHandle>& jobs) override;

  // Command, Environment, WorkingDirectory, Cpus, Time (enforced by the
  // wrapper). Not Tasks, nor the scheduler's resources.
  bool Understands(const std::string& parameter) const override;

 protected:
  // The spec the wrapper runs for `spec`: the MPI backend wraps the command
  // in mpirun. Errors fail the submission.
  virtual Result<JobSpec> Prepare(const JobSpec& spec) const { return spec; }

  // How many wrappers this backend started.
  int64_t wrappers_started() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_LOCAL_BACKEND_H_
