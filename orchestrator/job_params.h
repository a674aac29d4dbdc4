// Turns a Task state's job parameters (DESIGN.md §4.2) into a backend JobSpec,
// and a job's end into the task's result or ASL error (§4.3).
#ifndef HPCFLOW_ORCHESTRATOR_JOB_PARAMS_H_
#define HPCFLOW_ORCHESTRATOR_JOB_PARAMS_H_

#include <string>
#include <vector>

#include "backends/job.h"
#include "common/json.h"
#include "common/result.h"
#include "orchestrator/task_resource.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

// Reads Command, Environment, WorkingDirectory, Tasks and Cpus. Errors name
// the offending parameter (they become States.TaskFailed). `ignored` gets
// the resource parameters this backend does not use.
Result<backends::JobSpec> JobSpecFromParameters(const TaskResource& resource,
                                                const Json& parameters,
                                                std::vector<std::string>& ignored);

// The .sync result: ExitCode, Backend, JobId, State, Result, Stdout, Stderr,
// StartTime, EndTime. Fails with States.TaskFailed (non-zero exit, signal,
// invalid HPCFLOW_RESULT) or Job.Lost.
Result<Json> TaskResultFromJobEnd(const backends::JobEnd& end, const std::string& backend,
                                  const std::string& job_id, const backends::JobFiles& files);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_JOB_PARAMS_H_
