// The interface every backend implements (local, mpi, slurm, fake).
//
// A backend runs jobs and knows nothing of ASL. It is not told when a job
// ends: every job runs under the job wrapper, which reports its end through
// the orchestrator's callback API (DESIGN.md §4.4). The runtime asks a
// backend only to submit, to cancel, and now and then to reconcile: one
// batched question about all of its live jobs, to find the ones that died
// without reporting.
#ifndef HPCFLOW_BACKENDS_BACKEND_H_
#define HPCFLOW_BACKENDS_BACKEND_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/job.h"
#include "common/result.h"

namespace hpcflow::backends {

// What the runtime keeps about a submitted job, so that it can cancel or
// reconcile it later, also after a restart (it is stored as JSON).
struct JobHandle {
  std::string name;     // JobSpec::name
  std::string job_dir;  // JobSpec::job_dir
  std::string job_id;   // the backend's own id ("4242", "1234_7"); "" while queued locally
};
Json JobHandleToJson(const JobHandle& handle);
JobHandle JobHandleFromJson(const Json& json);

// What a backend knows of a job when asked.
struct JobStatus {
  enum class Kind {
    kQueued,   // accepted, not started yet
    kRunning,  // started, not ended
    kEnded,    // ended: see `end` (end.kind kLost: vanished without a trace)
  };
  Kind kind = Kind::kQueued;
  JobEnd end;
};

struct SubmitOptions {
  // At most this many of the submitted jobs run at once (a Map's
  // MaxConcurrency); 0: no limit.
  int max_concurrent = 0;
};

// What a backend can do, for the runtime to ask instead of testing names.
struct BackendCapabilities {
  // Submits many jobs as one array and throttles it itself (a Slurm array's
  // %N): a Map's items go to it in one batch, with MaxConcurrency, instead
  // of waiting in the runtime's queue.
  bool arrays = false;
  // A scheduler stops jobs (time limit, memory, scancel) and knows why: a
  // job whose wrapper saw a signal is asked about before its end is taken.
  bool scheduler_ends_jobs = false;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "local", "mpi", "slurm", "fake".
  virtual std::string Name() const = 0;

  virtual BackendCapabilities Capabilities() const { return {}; }

  // Submits the jobs (one array where the backend has arrays). Idempotent by
  // JobSpec::name / job_dir: a job that was already submitted, before a
  // crash for instance, is found and adopted, never run twice. Returns one
  // handle per job, in order. Errors: the submission itself failed (no job
  // of this call was accepted).
  virtual Result<std::vector<JobHandle>> Submit(const std::vector<JobSpec>& jobs,
                                                const SubmitOptions& options) = 0;

  // Stops the jobs (the whole process tree, or the array elements).
  // Idempotent: jobs that ended or were cancelled before are left alone.
  virtual void Cancel(const std::vector<JobHandle>& jobs) = 0;

  // One batched query: the status of each job, in order.
  virtual std::vector<JobStatus> Reconcile(const std::vector<JobHandle>& jobs) = 0;

  // True when the backend maps the JobSpec resource named like the job
  // parameter `parameter` (e.g. "Memory", "Partition"); the runtime warns
  // once about the others.
  virtual bool Understands(const std::string& parameter) const = 0;

  // Counts of the external commands this backend ran (e.g. {"sbatch": 2,
  // "squeue": 7}), shown by `hpcflow status --json`. Empty for backends
  // that run none.
  virtual std::map<std::string, int64_t> CommandCounts() const { return {}; }
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_BACKEND_H_
