// Task resource URIs: hpcflow:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken],
// parsed once into what the runtime dispatches on.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_RESOURCE_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_RESOURCE_H_

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

enum class WaitMode { kRequestResponse, kSync, kTaskToken };

struct TaskResource {
  std::string service;  // job, local, mpi, slurm, states, function
  std::string action;   // run, startExecution, or the function's name
  WaitMode wait = WaitMode::kRequestResponse;
  bool sync2 = false;  // ".sync:2": a child's output as JSON, not as a string

  // A job on a backend (job, local, mpi, slurm).
  bool IsJob() const { return service != "states" && service != "function"; }
  // states:startExecution: a child workflow.
  bool IsChild() const { return service == "states"; }
  // function:NAME: a callable of the program that embeds the engine.
  bool IsFunction() const { return service == "function"; }
};

// Errors (hpcflow.UnsupportedResource) name the resource and what hpcflow
// supports.
Result<TaskResource> ParseTaskResource(const std::string& uri);

// True for a name hpcflow:::function:NAME may carry: letters, digits, '_'
// and '-', at most 80 characters.
bool IsValidFunctionName(const std::string& name);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_RESOURCE_H_
