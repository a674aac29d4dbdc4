// The durable runtime behind `hpcflow server` and `hpcflow run`: runs the
// executions of one state directory, records each decision in the store
// before acting on it, and picks everything up again after a crash.
//
// Threads: one loop thread owns the interpreters, the store and the
// backends. Everything else (the HTTP API, the fake backend's timers) hands
// work to the loop through Post() and PostCallback().
//
// Jobs report their own end through the callback API (the job wrapper sends
// it); the backends are asked only to submit, cancel, and now and then to
// reconcile, to find jobs that died without reporting (DESIGN.md §4.4).
#ifndef HPCFLOW_ORCHESTRATOR_DURABLE_RUNTIME_H_
#define HPCFLOW_ORCHESTRATOR_DURABLE_RUNTIME_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "orchestrator/callback_request.h"
#include "orchestrator/execution_store.h"
#include "orchestrator/task_resource.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

class BackendRegistry;

struct RuntimeOptions {
  std::string state_dir;
  std::string hpcflow_binary;  // for job wrappers and child processes
  int poll_interval_ms = 100;  // how often the store is checked for new requests
  // Which executions this runtime runs: "" = the server's; "run:<pid>" = the
  // ones an `hpcflow run` process created for itself.
  std::string owner;
  // Where jobs send their callbacks (the API server's URL), and for how long
  // their wrappers keep trying to report an end while it does not answer.
  std::string callback_url;
  int64_t callback_retry_seconds = 3600;
  // Signs task tokens (the state directory's token.key).
  std::string token_secret;
  // Reconciliation: how often backends are asked about live jobs when all
  // is quiet, and while some job looks overdue.
  int64_t reconcile_quiet_ms = 30'000;
  int64_t reconcile_busy_ms = 1'000;
  // A job that reconciliation finds ended still gets this long to report
  // itself (its wrapper may be sending the callback right now).
  int64_t report_grace_ms = 2'000;
};

// The answer to a callback: an HTTP status and a JSON body saying what
// happened ("accepted", "duplicate", "late", ...).
struct CallbackReply {
  int http_status = 200;
  Json body;
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

  // Thread-safe: runs `work` on the loop thread, soon.
  void Post(std::function<void()> work);
  // Thread-safe: a task callback (success, failure, heartbeat, job end).
  // The token is checked here; `reply` is called once, on the loop thread,
  // after the outcome is committed.
  void PostCallback(CallbackRequest request, std::function<void(CallbackReply)> reply);

  // Loop thread only (from Post()): the store, and starting or stopping an
  // execution for the control API.
  ExecutionStore& store() { return *store_; }
  // Records a new execution of this runtime's owner, then LoadCreated()
  // starts it (a store failure there stops the loop).
  Status CreateExecution(ExecutionRecord& record);
  void LoadCreated(const ExecutionRecord& record);
  Status StopExecution(const std::string& id, const workflows::AslError& error);
  // Before Run(): where jobs send callbacks, once the API server listens.
  void SetCallbackUrl(std::string url) { options_.callback_url = std::move(url); }
  // Slurm (and other) command counts, for status --json.
  Json BackendCommandCounts() const;

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
  using TaskKey = std::pair<std::string, uint64_t>;  // (execution, task)
  // A task the interpreter waits for.
  struct OpenTask {
    TaskResource resource;
    Json request;
    bool is_job = false;
    // Jobs only: where it runs, and how to find it again.
    backends::Backend* backend = nullptr;
    backends::JobHandle handle;
    bool job_ended = false;     // its end is known (waitForTaskToken jobs keep waiting)
    int64_t ended_seen_ms = 0;  // reconciliation saw it ended, unreported, at this time
  };

  DurableRuntime(RuntimeOptions options, std::unique_ptr<ExecutionStore> store);

  // Decisions (durable_runtime.cc).
  Status StartPending();
  Status HandleRequests();
  Status FireDueTimers();
  Status Apply(Active& active, InputRecord input, uint64_t completed_task);
  // The same, with the input's payload already parsed.
  Status Apply(Active& active, InputRecord input, uint64_t completed_task, Json value);
  Status Load(const ExecutionRecord& record, bool resume);
  Status Perform(Active& active, const workflows::Effects& effects);
  Status ApplyCompletion(Completion completion);
  void PostCompletion(Completion completion);
  void FinishIfDone(const std::string& execution_id);
  Status RunPostedWork();

  // Jobs (runtime_jobs.cc).
  void SubmitTasks(const std::string& execution_id, const std::vector<Json>& requests);
  // Perform()'s way in: batch-scheduler jobs are held for FlushBatched().
  void QueueTasks(const std::string& execution_id, std::vector<Json> requests);
  void FlushBatched(bool force);
  int64_t BatchDeadlineMs() const;
  void CancelTasks(const std::string& execution_id, const std::vector<uint64_t>& task_ids);
  // `reported`: the end comes from the job's wrapper (a callback), not from
  // the backend's own view (reconciliation, the fake backend).
  Status OnJobEnded(const TaskKey& key, const backends::JobEnd& end, bool reported);
  void Reconcile();
  // Adds what `backend` ran since `before` to the execution's command counts.
  void CountCommands(const std::string& execution_id, backends::Backend& backend,
                     const std::map<std::string, int64_t>& before);
  int64_t NextReconcileMs() const;
  std::string JobDir(const std::string& execution_id, const Json& request) const;
  std::string TaskToken(const std::string& execution_id, const workflows::TaskRequest& r) const;
  std::string TaskToken(const std::string& execution_id, const Json& request) const;

  // Callbacks (runtime_callbacks.cc).
  CallbackReply HandleCallback(const CallbackRequest& request, const TaskKey& key);

  // Child workflows (runtime_children.cc).
  void StartChild(const std::string& parent_id, const Json& request, bool wait, bool sync2);
  void DeliverToParent(const ExecutionRecord& child, const std::string& status, const Json& output,
                       const workflows::AslError& error);
  void StopChild(const std::string& child_id);

  RuntimeOptions options_;
  std::unique_ptr<ExecutionStore> store_;
  std::unique_ptr<BackendRegistry> backends_;
  std::map<std::string, Active> active_;
  std::map<TaskKey, OpenTask> open_tasks_;
  std::map<std::string, TaskKey> job_names_;                         // JobSpec::name -> task
  std::multimap<int64_t, std::pair<std::string, uint64_t>> timers_;  // fire_ms -> (exec, timer)
  std::vector<workflows::HistoryEvent> pending_events_;
  bool replaying_ = false;
  int64_t next_reconcile_ms_ = 0;
  std::set<std::string> warned_;  // "backend/parameter" already warned about
  // Jobs for batch schedulers (Slurm) wait here briefly, so that the items a
  // Map's Retry sends back at nearly the same time go out as one array.
  std::vector<std::pair<std::string, Json>> batched_;  // (execution, request)
  int64_t batch_first_ms_ = 0;
  int64_t batch_last_ms_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Completion> completions_;
  std::deque<std::function<void()>> posted_;
  // Executions whose last step ran out of budget: continued in turn.
  std::deque<std::string> continues_;
  std::atomic<bool> shutdown_{false};
  Status loop_failure_;  // a store failure inside posted work stops the loop
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_DURABLE_RUNTIME_H_
