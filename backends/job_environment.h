// The job environment: the HPCFLOW_* variables every job sees (docs/jobs.md),
// defined once. The runtime fills them in (JobEnvironment below); the job
// wrapper, `hpcflow callback` and the fake backend read them by these names.
#ifndef HPCFLOW_BACKENDS_JOB_ENVIRONMENT_H_
#define HPCFLOW_BACKENDS_JOB_ENVIRONMENT_H_

#include <cstdint>
#include <map>
#include <string>

namespace hpcflow::backends {

// The execution the job belongs to, and its Task state's name.
inline constexpr char kExecutionIdVariable[] = "HPCFLOW_EXECUTION_ID";
inline constexpr char kStateNameVariable[] = "HPCFLOW_STATE_NAME";
// The task's input (a JSON file), and where the job may write its result.
inline constexpr char kInputVariable[] = "HPCFLOW_INPUT";
inline constexpr char kResultVariable[] = "HPCFLOW_RESULT";
// The state directory (to find a restarted server's URL).
inline constexpr char kStateDirVariable[] = "HPCFLOW_STATE_DIR";
// The task token ($$.Task.Token), for `hpcflow callback`.
inline constexpr char kTaskTokenVariable[] = "HPCFLOW_TASK_TOKEN";
// Where callbacks go, and for how long a report keeps being retried.
inline constexpr char kCallbackUrlVariable[] = "HPCFLOW_CALLBACK_URL";
inline constexpr char kCallbackRetryVariable[] = "HPCFLOW_CALLBACK_RETRY_SECONDS";
// The directory of the workflow file (scripts that sit beside it).
inline constexpr char kWorkflowDirVariable[] = "HPCFLOW_WORKFLOW_DIR";
// A Map item's index, for jobs of a Map's iterations.
inline constexpr char kItemIndexVariable[] = "HPCFLOW_ITEM_INDEX";

// What the runtime knows about a job; empty strings and a negative index are
// left out of the environment.
struct JobEnvironment {
  std::string execution_id;
  std::string state_name;
  std::string input_path;
  std::string result_path;
  std::string state_dir;
  std::string task_token;
  std::string callback_url;
  int64_t callback_retry_seconds = -1;
  std::string workflow_dir;
  int64_t item_index = -1;
};

// Adds the variables of `job` to `environment` (replacing what a workflow's
// own Environment parameter set under the same names).
void AddJobEnvironment(const JobEnvironment& job, std::map<std::string, std::string>& environment);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_ENVIRONMENT_H_
