#include "backends/job_environment.h"

namespace hpcflow::backends {

void AddJobEnvironment(const JobEnvironment& job, std::map<std::string, std::string>& environment) {
  auto set = [&environment](const char* name, const std::string& value) {
    if (!value.empty()) environment[name] = value;
  };
  set(kExecutionIdVariable, job.execution_id);
  // Set even when empty: a job can tell "no state name" from "not an hpcflow job".
  environment[kStateNameVariable] = job.state_name;
  set(kInputVariable, job.input_path);
  set(kResultVariable, job.result_path);
  set(kStateDirVariable, job.state_dir);
  set(kTaskTokenVariable, job.task_token);
  set(kCallbackUrlVariable, job.callback_url);
  if (job.callback_retry_seconds >= 0) {
    environment[kCallbackRetryVariable] = std::to_string(job.callback_retry_seconds);
  }
  set(kWorkflowDirVariable, job.workflow_dir);
  if (job.item_index >= 0) environment[kItemIndexVariable] = std::to_string(job.item_index);
}

}  // namespace hpcflow::backends
