// Small helpers shared by the parts of the durable runtime.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_UTIL_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_UTIL_H_

#include <string>

#include "common/json.h"
#include "orchestrator/task_resource.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

// `text` made safe for a file or job name: [A-Za-z0-9.-], at most 80 chars.
std::string SafeName(const std::string& text);

// An ASL error as stored in the inputs log: {"error", "cause"}.
Json ErrorPayload(const workflows::AslError& error);
workflows::AslError ErrorFromPayload(const Json& payload);

// The backend a job resource runs on: hpcflow:::job:run follows the
// execution's --backend; local, mpi and slurm are pinned.
std::string BackendFor(const TaskResource& resource, const std::string& execution_backend);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_UTIL_H_
