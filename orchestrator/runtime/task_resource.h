// Task resource URIs: hpcflow:::SERVICE:ACTION[.sync|.waitForTaskToken].
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_RESOURCE_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_RESOURCE_H_

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

enum class WaitMode { kRequestResponse, kSync, kTaskToken };

struct TaskResource {
  std::string service;  // job, local, mpi, slurm, states
  std::string action;   // run, startExecution
  WaitMode wait = WaitMode::kRequestResponse;
  bool sync2 = false;  // ".sync:2": a child's output as JSON, not as a string
};

// Errors name the resource and what hpcflow supports.
Result<TaskResource> ParseTaskResource(const std::string& uri);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_RESOURCE_H_
