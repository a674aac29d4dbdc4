// The durable runtime behind `hpcflow server`: runs every execution of one
// state directory, records each decision in the store before acting on it,
// and picks everything up again after a crash.
//
// Threads: one loop thread owns the interpreters and the store; job watcher
// threads only wait for jobs to end and post completions to the loop.
#ifndef HPCFLOW_ORCHESTRATOR_DURABLE_RUNTIME_H_
#define HPCFLOW_ORCHESTRATOR_DURABLE_RUNTIME_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends/local/local_backend.h"
#include "orchestrator/execution_store.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

struct RuntimeOptions {
  std::string state_dir;
  std::string hpcflow_binary;  // for job wrappers and child processes
  int poll_interval_ms = 100;  // how often the store is checked for new requests
  // Which executions this runtime runs: "" = the server's; "run:<pid>" = the
  // ones an `hpcflow run` process created for itself.
  std::string owner;
};

class DurableRuntime {
 public:
  static Result<std::unique_ptr<DurableRuntime>> Create(RuntimeOptions options);
  ~DurableRuntime();

  // Resumes every execution the store says is running. Errors: the store.
  Status Recover();
  // Runs until RequestShutdown() (or until `until_idle` and nothing runs).
  Status Run(bool until_idle = false);
  void RequestShutdown();
  // Async-signal-safe: only sets the flag; the loop notices within a poll.
  void RequestShutdownFromSignal() { shutdown_.store(true); }

 private:
  struct Active {
    ExecutionRecord record;
    std::unique_ptr<workflows::Interpreter> interpreter;
    int64_t next_seq = 1;
  };
  struct Completion {
    std::string execution_id;
    uint64_t task_id = 0;
    bool ok = false;
    Json output;
    workflows::AslError error;
  };

  explicit DurableRuntime(RuntimeOptions options, std::unique_ptr<ExecutionStore> store);

  Status StartPending();
  Status HandleRequests();
  Status FireDueTimers();
  Status Apply(Active& active, InputRecord input, uint64_t completed_task);
  Status Load(const ExecutionRecord& record, bool resume);
  Status Perform(Active& active, const workflows::Effects& effects);
  void SubmitTask(const std::string& execution_id, const Json& request);
  void WatchJob(const std::string& execution_id, uint64_t task_id, const Json& request,
                const std::string& job_dir);
  void PostCompletion(Completion completion);
  void FinishIfDone(const std::string& execution_id);
  // Child workflows (hpcflow:::states:startExecution).
  void StartChild(const std::string& parent_id, const Json& request, bool wait, bool sync2);
  void DeliverToParent(const ExecutionRecord& child, const std::string& status, const Json& output,
                       const workflows::AslError& error);
  void StopChild(const std::string& child_id);
  std::string JobDir(const std::string& execution_id, const Json& request) const;

  RuntimeOptions options_;
  std::unique_ptr<ExecutionStore> store_;
  backends::LocalBackend local_;
  std::map<std::string, Active> active_;
  std::multimap<int64_t, std::pair<std::string, uint64_t>> timers_;  // fire_ms -> (exec, timer)
  std::vector<workflows::HistoryEvent> pending_events_;
  bool replaying_ = false;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Completion> completions_;
  // Executions whose last step ran out of budget: continued in turn.
  std::deque<std::string> continues_;
  std::atomic<bool> shutdown_{false};
  std::vector<std::thread> watchers_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_DURABLE_RUNTIME_H_
