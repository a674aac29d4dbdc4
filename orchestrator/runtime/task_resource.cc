#include "orchestrator/runtime/task_resource.h"

namespace hpcflow::orchestrator {

Result<TaskResource> ParseTaskResource(const std::string& uri) {
  const std::string prefix = "hpcflow:::";
  auto unsupported = [&] {
    return Fail(
        "hpcflow.UnsupportedResource",
        "The resource '" + uri +
            "' is not supported: hpcflow runs "
            "hpcflow:::job:run, hpcflow:::local:run, hpcflow:::mpi:run, hpcflow:::slurm:run "
            "and hpcflow:::states:startExecution (with .sync or .waitForTaskToken)");
  };
  if (uri.rfind(prefix, 0) != 0) return unsupported();
  std::string rest = uri.substr(prefix.size());
  TaskResource resource;
  auto colon = rest.find(':');
  if (colon == std::string::npos) return unsupported();
  resource.service = rest.substr(0, colon);
  std::string action = rest.substr(colon + 1);
  if (auto dot = action.find('.'); dot != std::string::npos) {
    std::string suffix = action.substr(dot + 1);
    action = action.substr(0, dot);
    if (suffix == "sync" || suffix == "sync:2") {
      resource.wait = WaitMode::kSync;
      resource.sync2 = suffix == "sync:2";
    } else if (suffix == "waitForTaskToken") {
      resource.wait = WaitMode::kTaskToken;
    } else {
      return unsupported();
    }
  }
  resource.action = action;
  bool job_service = resource.service == "job" || resource.service == "local" ||
                     resource.service == "mpi" || resource.service == "slurm";
  if (job_service && action == "run") return resource;
  if (resource.service == "states" && action == "startExecution") return resource;
  return unsupported();
}

}  // namespace hpcflow::orchestrator
