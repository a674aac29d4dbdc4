// How the jobs of one Submit become sbatch calls (pure, unit-tested).
//
// Jobs with equal resource options (ResourceArguments) form a group, in the
// order of their first job; a group of one is a plain job, a larger group an
// array. An array larger than the site's MaxArraySize is cut into chunks of
// MaxArraySize jobs (Slurm requires every index to be < MaxArraySize; each
// chunk is its own array with indices 0..size-1). Each group-or-chunk is a
// "unit": one sbatch call.
//
// Throttling (SubmitOptions::max_concurrent = M > 0) across units: the U
// units are dealt round-robin onto L = min(U, M) lanes. Lane l gets a share
// of M (M / L, one more for the first M % L lanes) as its units' %throttle,
// and a unit waits (--dependency=afterany) for the previous unit of its lane
// to end. At any moment at most one unit per lane runs, with at most its
// lane's share of elements, so never more than M jobs run. In the usual case
// (one array within MaxArraySize) that is one unit with %M and no
// dependency. The cost: a lane idles while the tail of its unit finishes,
// and a plain job holds a whole share.
#ifndef HPCFLOW_BACKENDS_SLURM_ARRAY_PLAN_H_
#define HPCFLOW_BACKENDS_SLURM_ARRAY_PLAN_H_

#include <cstddef>
#include <vector>

#include "backends/job.h"

namespace hpcflow::backends::slurm {

struct SubmitUnit {
  std::vector<size_t> jobs;  // indices into the Submit's jobs; element i = array index i
  bool is_array = false;     // false: one plain job
  int throttle = 0;          // %throttle of the array; 0: none
  int after_unit = -1;       // index of the unit that must end first; -1: none
};

// `max_array_size`: the site's MaxArraySize (indices must be below it); 1 or
// less means arrays are unavailable, so every job is a plain job.
std::vector<SubmitUnit> PlanUnits(const std::vector<const JobSpec*>& jobs, int max_array_size,
                                  int max_concurrent);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_ARRAY_PLAN_H_
