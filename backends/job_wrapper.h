// The job wrapper: the small process every job runs under, on every backend.
//
// `hpcflow job-wrapper DIR` (the local backend starts it detached; a Slurm
// batch script runs it) reads DIR/spec.json, holds DIR/lock for as long as
// the job runs, runs the command in its own process group with stdout and
// stderr to DIR/stdout and DIR/stderr, stops it at its time limit, records
// DIR/started and DIR/exit (atomically), and then reports the end through
// `report` (the orchestrator passes one that sends it to the callback API).
#ifndef HPCFLOW_BACKENDS_JOB_WRAPPER_H_
#define HPCFLOW_BACKENDS_JOB_WRAPPER_H_

#include <functional>
#include <optional>
#include <string>

#include "backends/job.h"

namespace hpcflow::backends {

// Returns the wrapper's exit code: 0 once the job's end is recorded
// (whatever the job's own exit code), 2 when DIR holds no readable spec.
int RunJobWrapper(const std::string& job_dir, const std::function<void(const JobEnd&)>& report);

// How the job in `job_dir` ended, from its `exit` file; nullopt while it
// has not ended (or never started).
std::optional<JobEnd> ReadJobEnd(const std::string& job_dir);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_WRAPPER_H_
