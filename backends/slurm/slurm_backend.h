// The Slurm backend: jobs become Slurm batch jobs, and the jobs of one
// Submit become job arrays (one per group of equal resources, cut into
// chunks below the site's MaxArraySize), each element running
// `<hpcflow> job-wrapper JOB_DIR` on its compute node.
//
// The backend talks to Slurm only through its client commands (sbatch,
// squeue, scancel, scontrol, sacct), found in `bin_dir` or PATH, which read
// the cluster from the environment (SLURM_CONF). It is safe to call from
// several threads.
//
// Idempotent submission (DESIGN.md §4.5), per job directory:
//   1. JOB_DIR/slurm_job_id exists: the job was submitted; adopt it. (The
//      orchestrator writes it after sbatch; the batch script writes it too
//      when the job starts.)
//   2. Else JOB_DIR/slurm_submit.json exists: an sbatch under that Slurm job
//      name may have been accepted before a crash. One squeue --name=... for
//      all such jobs finds them; found: adopt; not found: submit anew.
//   3. Else: submit (writing slurm_submit.json first).
// So a Submit repeated after a crash runs no job twice and, in the common
// case, runs no Slurm command at all for jobs already submitted.
//
// Job ids: "4242" for a plain job, "4242_7" for element 7 of array 4242.
#ifndef HPCFLOW_BACKENDS_SLURM_SLURM_BACKEND_H_
#define HPCFLOW_BACKENDS_SLURM_SLURM_BACKEND_H_

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/slurm/slurm_commands.h"

namespace hpcflow::backends {

struct SlurmBackendOptions {
  // Absolute path of the hpcflow binary as compute nodes see it: batch
  // scripts run `<hpcflow_binary> job-wrapper JOB_DIR`.
  std::string hpcflow_binary;
  // Directory of sbatch, squeue, scancel, scontrol and sacct; empty: PATH.
  std::string bin_dir;
  // A Slurm command that takes longer is killed and counts as failed.
  int command_timeout_ms = 60000;
  // sbatch retries after transient controller errors (after checking by
  // name that the failed attempt did not get through after all).
  slurm::RetryPolicy submit_retry;
  // squeue, scontrol, sacct and scancel retries.
  slurm::RetryPolicy query_retry{3, 500, 4000};
  // 0: read MaxArraySize from `scontrol show config` (once, then cached).
  int max_array_size = 0;
};

class SlurmBackend : public Backend {
 public:
  explicit SlurmBackend(SlurmBackendOptions options);

  std::string Name() const override { return "slurm"; }
  BackendCapabilities Capabilities() const override { return {true, true}; }

  // Writes JOB_DIR/spec.json and the batch script(s), then runs one sbatch
  // per array chunk (see array_plan.h for chunking and throttling across
  // chunks). Errors: "usage" for a spec the backend cannot express (an
  // environment name a shell cannot export); "io" for job directories that
  // cannot be written; "slurm" when Slurm refused or could not be reached.
  // On an error, arrays this call had already submitted are cancelled again
  // and their markers removed, so no job of the call stays accepted.
  Result<std::vector<JobHandle>> Submit(const std::vector<JobSpec>& jobs,
                                        const SubmitOptions& options) override;

  // One scancel with exactly the given jobs and array elements (compressed
  // to "4242_[1-3,7]"). Already ended or unknown ids are fine.
  void Cancel(const std::vector<JobHandle>& jobs) override;

  // One squeue for all jobs (--states=all: the controller keeps ended jobs
  // for MinJobAge), plus one sacct for those it no longer knows when the
  // cluster has accounting. Jobs whose wrapper recorded a normal end need no
  // query. If Slurm cannot be asked, jobs are reported queued or running
  // (never lost) from their job directories.
  // A job that ended without its wrapper ever starting it (the wrapper died
  // before its start gate opened) is submitted again, at most kMaxResubmits
  // times, and reported queued.
  std::vector<JobStatus> Reconcile(const std::vector<JobHandle>& jobs) override;

  bool Understands(const std::string& parameter) const override;

  std::map<std::string, int64_t> CommandCounts() const override { return commands_.Counts(); }

 private:
  struct ClusterConfig {
    int max_array_size = 1001;
    bool accounting = false;
  };
  Result<ClusterConfig> Config();

  // squeue --name for the Slurm job names: name -> job id (array id).
  Result<std::map<std::string, std::string>> FindByName(const std::vector<std::string>& names);

  // One sbatch with retries; before each retry, checks by name whether the
  // failed attempt was accepted after all. Returns the job (array) id.
  Result<std::string> RunSbatch(const std::string& slurm_name,
                                const std::vector<std::string>& args);

  // Writes the files of one sbatch call (spec.json, intent markers, script,
  // job list) and runs it. `members` index `jobs`;
  // element k of an array is members[k]. Returns the job (array) id.
  Result<std::string> SubmitUnit(const std::vector<JobSpec>& jobs,
                                 const std::vector<size_t>& members, bool is_array, int throttle,
                                 const std::string& after_job_id);

  // Submits a job that ended without starting again, as a plain job under a
  // Slurm name of its own, and records its new id in its directory.
  bool Resubmit(const JobHandle& job);
  static constexpr int kMaxResubmits = 2;

  SlurmBackendOptions options_;
  slurm::SlurmCommands commands_;
  std::mutex config_mutex_;
  std::optional<ClusterConfig> config_;
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_SLURM_SLURM_BACKEND_H_
