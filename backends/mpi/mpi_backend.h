// The MPI backend: a job is an Open MPI run on this machine, or across the
// Slurm allocation the orchestrator runs in. It is the local backend (same
// wrapper, slot pool, adoption, cancel and reconcile) with the command
// wrapped in `mpirun --allow-run-as-root --oversubscribe -np TASKS
// [--host H1:SLOTS,...] COMMAND` (a string command runs as /bin/sh -c).
// A job takes tasks * cpus slots.
#ifndef HPCFLOW_BACKENDS_MPI_MPI_BACKEND_H_
#define HPCFLOW_BACKENDS_MPI_MPI_BACKEND_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "backends/local/local_backend.h"
#include "backends/mpi/slurm_allocation.h"

namespace hpcflow::backends {

struct MpiOptions {
  LocalOptions local;
  std::string mpirun = "mpirun";
  std::string scontrol = "scontrol";
  // The Slurm variables that tell the allocation (SLURM_JOB_ID,
  // SLURM_JOB_NODELIST, SLURM_TASKS_PER_NODE, SLURM_JOB_CPUS_PER_NODE,
  // SLURM_CONF); nullopt: this process's environment.
  std::optional<std::map<std::string, std::string>> slurm_environment;
};

class MpiBackend : public LocalBackend {
 public:
  explicit MpiBackend(MpiOptions options);

  std::string Name() const override { return "mpi"; }
  // Command, Environment, WorkingDirectory, Tasks, Cpus, Time.
  bool Understands(const std::string& parameter) const override;
  // {"mpirun": runs started} plus {"scontrol": 1} once the allocation's
  // hosts were looked up.
  std::map<std::string, int64_t> CommandCounts() const override;

 protected:
  // Errors ("mpi"): inside a Slurm allocation whose hosts cannot be listed.
  Result<JobSpec> Prepare(const JobSpec& spec) const override;

 private:
  // The allocation's hosts, looked up at the first submission.
  Result<std::vector<MpiHost>> Hosts() const;

  MpiOptions options_;
  mutable std::mutex hosts_mutex_;
  mutable std::optional<Result<std::vector<MpiHost>>> hosts_;
  mutable int scontrol_runs_ = 0;
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_MPI_MPI_BACKEND_H_
