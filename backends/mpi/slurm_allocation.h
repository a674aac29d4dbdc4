// The hosts of the Slurm allocation the orchestrator runs in, so that MPI
// jobs started from inside an allocation (salloc, or a batch job running
// hpcflow) spread over its nodes instead of piling onto the first one.
#ifndef HPCFLOW_BACKENDS_MPI_SLURM_ALLOCATION_H_
#define HPCFLOW_BACKENDS_MPI_SLURM_ALLOCATION_H_

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace hpcflow::backends {

struct MpiHost {
  std::string name;
  int slots = 1;
};

// Expands Slurm's compact per-node counts ("2(x3),1" → {2, 2, 2, 1});
// empty when `compact` is malformed.
std::vector<int> ExpandSlurmCounts(const std::string& compact);

// The variables SlurmAllocationHosts reads, from this process's environment.
std::map<std::string, std::string> SlurmEnvironmentOfProcess();

// Empty outside an allocation (SLURM_JOB_ID or SLURM_JOB_NODELIST not in
// `slurm_env`). Inside one: the nodes of SLURM_JOB_NODELIST, expanded by
// `scontrol show hostnames` (run with SLURM_CONF from `slurm_env` when it is
// there), with their slots from SLURM_TASKS_PER_NODE, or else
// SLURM_JOB_CPUS_PER_NODE, or else 1. Errors ("mpi"): scontrol cannot be
// run or fails.
Result<std::vector<MpiHost>> SlurmAllocationHosts(
    const std::map<std::string, std::string>& slurm_env, const std::string& scontrol);

// Open MPI's --host value: "h1:2,h2:2".
std::string MpiHostList(const std::vector<MpiHost>& hosts);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_MPI_SLURM_ALLOCATION_H_
