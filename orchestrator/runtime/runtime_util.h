// Small helpers shared by the parts of the durable runtime.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_RUNTIME_UTIL_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_RUNTIME_UTIL_H_

#include <string>

#include "common/json.h"
#include "orchestrator/runtime/task_resource.h"
#include "orchestrator/store/execution_store.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

// `text` made safe for a file or job name: [A-Za-z0-9.-], at most 80 chars.
std::string SafeName(const std::string& text);

// A file and job name unique per `text`, whatever its length or characters
// ("run:1" and "run_1", or child ids that differ past the 80th character,
// get different names): at most 40 of its characters made safe, '-', and 24
// hex digits of its SHA-256.
std::string UniqueSafeName(const std::string& text);

// The id of the child execution a parent's task starts: derived from both,
// so that a task submitted again after a crash finds its child.
std::string ChildExecutionId(const std::string& parent_id, uint64_t task_id);

// The name an execution's state machine goes by: its registered name, else
// its file's stem ($$.StateMachine.Name).
std::string StateMachineNameOf(const ExecutionRecord& record);

// An ASL error as stored in the inputs log: {"error", "cause"}.
Json ErrorPayload(const workflows::AslError& error);
workflows::AslError ErrorFromPayload(const Json& payload);

// The backend a job resource runs on: hpcflow:::job:run follows the
// execution's --backend; local, mpi and slurm are pinned.
std::string BackendFor(const TaskResource& resource, const std::string& execution_backend);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_RUNTIME_UTIL_H_
