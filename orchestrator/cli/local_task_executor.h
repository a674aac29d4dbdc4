// Runs the Task states of an in-process execution as local processes.
//
// Each task gets a thread that starts the job, waits for it and reports a
// TaskCompletion through the callback given at construction. This is the
// runtime of `hpcflow run` until the durable server and the backends take
// over (see the issues on durable executions and backends).
#ifndef HPCFLOW_ORCHESTRATOR_CLI_LOCAL_TASK_EXECUTOR_H_
#define HPCFLOW_ORCHESTRATOR_CLI_LOCAL_TASK_EXECUTOR_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

struct TaskCompletion {
  uint64_t task_id = 0;
  bool ok = false;
  Json output;
  workflows::AslError error;
};

class LocalTaskExecutor {
 public:
  // `run_dir` holds the jobs' input, result, stdout and stderr files.
  LocalTaskExecutor(std::string run_dir, std::string execution_id,
                    std::function<void(TaskCompletion)> on_done);
  ~LocalTaskExecutor();

  void Start(const workflows::TaskRequest& request);
  // Kills the job's process group; its completion is not reported.
  void Cancel(uint64_t task_id);
  // Waits for every job thread to end (after cancelling what still runs).
  void Shutdown();

 private:
  void RunJob(workflows::TaskRequest request);
  void Report(TaskCompletion completion);

  std::string run_dir_;
  std::string execution_id_;
  std::function<void(TaskCompletion)> on_done_;
  std::mutex mutex_;
  std::map<uint64_t, pid_t> running_;  // task -> process group
  std::map<uint64_t, bool> cancelled_;
  std::vector<std::thread> threads_;
  bool warned_resources_ = false;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_LOCAL_TASK_EXECUTOR_H_
