#include "orchestrator/runtime/task_resource.h"

namespace hpcflow::orchestrator {

bool IsValidFunctionName(const std::string& name) {
  if (name.empty() || name.size() > 80) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<TaskResource> ParseTaskResource(const std::string& uri) {
  const std::string prefix = "hpcflow:::";
  auto unsupported = [&](const std::string& why = "") {
    return Fail("hpcflow.UnsupportedResource",
                "The resource '" + uri + "' is not supported" + why +
                    ": hpcflow runs "
                    "hpcflow:::job:run, hpcflow:::local:run, hpcflow:::mpi:run, "
                    "hpcflow:::slurm:run and hpcflow:::states:startExecution (with .sync or "
                    ".waitForTaskToken; also as AWS names it, "
                    "arn:aws:states:::states:startExecution), and hpcflow:::function:NAME "
                    "(with .waitForTaskToken)");
  };
  // An unchanged AWS definition's nested workflows: the same integration.
  const std::string aws_states = "arn:aws:states:::states:";
  std::string rest;
  if (uri.rfind(aws_states, 0) == 0) {
    rest = uri.substr(aws_states.size() - std::string("states:").size());
  } else if (uri.rfind(prefix, 0) == 0) {
    rest = uri.substr(prefix.size());
  } else {
    return unsupported();
  }
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
  if (resource.IsChild() && action == "startExecution") return resource;
  if (resource.service == "function") {
    if (!IsValidFunctionName(action)) {
      return unsupported(" (a function's name is letters, digits, '_' and '-')");
    }
    // A function call ends with its result: there is nothing to wait for.
    if (resource.wait == WaitMode::kSync) return unsupported(" (.sync is not for functions)");
    return resource;
  }
  return unsupported();
}

}  // namespace hpcflow::orchestrator
