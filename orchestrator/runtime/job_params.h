// Turns a Task state's job parameters (DESIGN.md §4.2) into a backend JobSpec,
// and a job's end into the task's result or ASL error (§4.3).
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_JOB_PARAMS_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_JOB_PARAMS_H_

#include <functional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/job.h"
#include "common/json.h"
#include "common/result.h"

namespace hpcflow::orchestrator {

// Reads every job parameter: Command (a string for /bin/sh -c, or an array
// of arguments), Environment (an object; non-string values as JSON),
// WorkingDirectory, Cpus, Tasks, Nodes, Gpus (positive integers), Memory
// ("512M", "4G", "1T", "100K", "2048", or a number: megabytes, Slurm's
// binary units), Time (Slurm's "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM",
// "D-HH:MM:SS", or a number: minutes), Partition, Account, Qos, Constraint
// (strings) and SbatchArgs (an array of strings). Errors (States.TaskFailed)
// name the parameter and the bad value. `ignored` gets the parameters
// present that the backend does not understand (`understands` is the
// backend's Understands), so the runtime can warn once.
Result<backends::JobSpec> JobSpecFromParameters(
    const Json& parameters, const std::function<bool(const std::string&)>& understands,
    std::vector<std::string>& ignored);
Result<backends::JobSpec> JobSpecFromParameters(const Json& parameters,
                                                const backends::Backend& backend,
                                                std::vector<std::string>& ignored);

// The JobId a task result names: the backend's own id, else (a job still
// queued locally) its submission name.
std::string JobIdOf(const backends::JobHandle& handle);

// A request-response job task's result: the job was accepted and runs on.
Json AcceptedJobResult(const std::string& backend, const backends::JobHandle& handle);

// The .sync result: ExitCode, Backend, JobId, State, Result, Stdout, Stderr,
// StartTime, EndTime. Failures, by end kind: a non-zero exit or a signal →
// States.TaskFailed (with the tail of stderr), invalid HPCFLOW_RESULT →
// States.TaskFailed, time limit → States.Timeout, cancelled →
// Slurm.Cancelled on slurm and Job.Cancelled elsewhere, out of memory →
// Slurm.OutOfMemory, node failure → Slurm.NodeFail, preempted →
// Slurm.Preempted, boot failure → Slurm.BootFail, lost → Job.Lost.
Result<Json> TaskResultFromJobEnd(const backends::JobEnd& end, const std::string& backend,
                                  const std::string& job_id, const backends::JobFiles& files);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_JOB_PARAMS_H_
