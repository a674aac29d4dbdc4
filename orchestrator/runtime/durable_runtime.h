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
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_DURABLE_RUNTIME_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_DURABLE_RUNTIME_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backends/backend.h"
#include "orchestrator/runtime/background_worker.h"
#include "orchestrator/runtime/callback_request.h"
#include "orchestrator/runtime/function_host.h"
#include "orchestrator/runtime/task_resource.h"
#include "orchestrator/runtime/timer_queue.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/execution_store.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

class BackendRegistry;

// How an execution ended, handed over in memory when it ends.
struct FinishedExecution {
  std::string id;
  workflows::ExecutionStatus status = workflows::ExecutionStatus::kRunning;
  Json output;
  workflows::AslError error;
  int64_t transitions = 0;
};

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
  // When callback_url is empty: opens the callback endpoint and gives its
  // URL, called once, when the first job is about to start (`run` opens
  // none for a workflow without jobs). A failure stops the loop.
  std::function<Result<std::string>()> open_callback_endpoint;
  // Signs task tokens (the state directory's token.key).
  std::string token_secret;
  // Reconciliation: how often backends are asked about live jobs when all
  // is quiet, and while some job looks overdue.
  int64_t reconcile_quiet_ms = 30'000;
  int64_t reconcile_busy_ms = 1'000;
  // A job that reconciliation finds ended still gets this long to report
  // itself (its wrapper may be sending the callback right now).
  int64_t report_grace_ms = 2'000;
  // Serves hpcflow:::function:NAME tasks (the Engine); null: none, and such
  // tasks fail with hpcflow.FunctionNotRegistered. Not owned.
  FunctionHost* functions = nullptr;
  // Loop thread, for an embedding program: the events of one execution
  // just committed (none for express executions), and an execution that
  // just ended (its record in the store is final).
  std::function<void(const std::string& execution_id,
                     const std::vector<workflows::HistoryEvent>& events)>
      on_events;
  std::function<void(const std::string& execution_id)> on_finished;
  // Loop thread, just before on_finished: the execution's end with its
  // output moved out of the interpreter (`run` prints it from here rather
  // than reading it back from the store).
  std::function<void(FinishedExecution)> on_result;
  // Whether the store keeps the output of a top-level express execution.
  // `run --express` keeps none: it hands the output over through on_result
  // and prints it (as AWS keeps no results of synchronous express runs).
  bool store_express_output = true;
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

  // Resumes every execution the store says this owner runs, adopts the
  // jobs they still have on backends (also those of ended tasks), and, for
  // the server, the executions of `hpcflow run` processes that died. An
  // execution that cannot be resumed is quarantined (FAILED with
  // hpcflow.RecoveryFailed and the reason), never a crash loop. Errors: the
  // store.
  Status Recover();
  // Runs until RequestShutdown() (or until `until_idle` and nothing runs:
  // no execution, and no job this runtime cancelled still ending).
  Status Run(bool until_idle = false);
  void RequestShutdown();
  // Async-signal-safe: only sets the flag; the loop notices within a poll.
  void RequestShutdownFromSignal() { shutdown_.store(true); }
  // Async-signal-safe: the first call stops every execution this runtime
  // runs (their jobs are cancelled, and Run waits for them to end); the
  // second makes Run return at once.
  void InterruptFromSignal() { interrupts_.fetch_add(1); }
  int interrupts() const { return interrupts_.load(); }
  // Loop thread: what still runs (for the message when `run` leaves early).
  std::vector<std::string> DescribeLiveJobs() const;

  // Loop thread (server only): takes over the executions whose `hpcflow
  // run` owner died, and resumes them. Returns how many.
  Result<int> AdoptOrphans();
  // Loop thread: takes over one execution whose owner died (for stop).
  Status AdoptExecution(const ExecutionRecord& record);

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
  // Loop thread, or before Run(): records a new execution and starts it on
  // its input already parsed (an in-process start does not parse again the
  // text it has just stored).
  // `workflow`: the definition already loaded from record.definition (the
  // caller validated it), or null to load it here.
  Status StartExecution(ExecutionRecord& record, Json input,
                        const LoadedWorkflow* workflow = nullptr);
  Status StopExecution(const std::string& id, const workflows::AslError& error);
  // Continues an execution that FAILED, TIMED_OUT or was ABORTED, as AWS's
  // RedriveExecution does (runtime_redrive.cc): same id, history appended,
  // what succeeded kept, what failed or was cancelled by the end run again
  // (new jobs, retry counters reset). Errors: ExecutionDoesNotExist,
  // ExecutionNotRedrivable (with the reason), or the store's.
  Status RedriveExecution(const std::string& id_or_name);
  // Before Run(): where jobs send callbacks, once the API server listens.
  void SetCallbackUrl(std::string url) { options_.callback_url = std::move(url); }
  // Before Run(): instead, how to open the callback endpoint when the first
  // job starts (RuntimeOptions::open_callback_endpoint).
  void SetCallbackEndpointOpener(std::function<Result<std::string>()> open) {
    options_.open_callback_endpoint = std::move(open);
  }
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
    // The end comes from the task's job itself (its end was seen), not from
    // a callback, an acceptance or a child.
    bool from_job_end = false;
  };
  using TaskKey = std::pair<std::string, uint64_t>;  // (execution, task)
  // A task to start, as the interpreter asked for it, with its resource
  // parsed once: what jobs, children and functions are made from, typed
  // from the effects to the backends.
  struct TaskOrder {
    workflows::TaskRequest task;
    Result<TaskResource> resource;  // an unsupported one fails the task
    std::string job_dir;            // resubmitted after a restart: the directory it had
  };
  // A task the interpreter waits for.
  struct OpenTask {
    TaskResource resource;
    std::string state;  // its state's name, for messages
    bool is_job = false;
    // Jobs only: where it runs, and how to find it again.
    backends::Backend* backend = nullptr;
    backends::JobHandle handle;
    bool job_ended = false;  // its end is known (waitForTaskToken jobs keep waiting)
    // It has a TimeoutSeconds or HeartbeatSeconds timer, which restarts
    // when its job leaves the machine's slot queue.
    bool timed = false;
    int64_t ended_seen_ms = 0;  // reconciliation saw it ended, unreported, at this time
  };
  // A job that runs on after its task ended (a callback ended a .sync task
  // and the job is being cancelled, a request-response job, a token task's
  // job, a cancelled task's job): still watched until its end is seen, so
  // that it is counted, adopted after a restart and never left behind.
  struct DetachedJob {
    backends::Backend* backend = nullptr;
    backends::JobHandle handle;
    bool cancelled = false;  // we asked it to stop
    int64_t ended_seen_ms = 0;
  };
  // What a job's end changed (for the job-end route's answer).
  enum class JobEndOutcome {
    kRecorded,   // it ended the task, or was recorded for a job that ran on
    kDeferred,   // recorded; the scheduler is asked how it ended
    kDuplicate,  // its end was known already
    kUnknown,    // no such live job
  };

  DurableRuntime(RuntimeOptions options, std::unique_ptr<ExecutionStore> store);

  // Decisions (durable_runtime.cc).
  Status StartPending();
  Status HandleRequests();
  Status FireDueTimers();
  Status Apply(Active& active, InputRecord input, uint64_t completed_task);
  // The same, with the input's payload already parsed.
  Status Apply(Active& active, InputRecord input, uint64_t completed_task, Json value);
  // LoadWorkflowText, remembering what it parsed: thousands of child
  // executions of one state machine share one parsed definition (it is
  // immutable) instead of parsing the same text twice each.
  Result<LoadedWorkflow> LoadDefinition(const std::string& text, const std::string& name,
                                        std::vector<std::string>& problems);
  // `parsed_input`: the record's input already parsed (a new execution), or
  // null to parse record.input.
  // `skip_seq`: an input left out of the replay (the one that ended an
  // execution being redriven; earlier redrives' are left out anyway).
  Status Load(const ExecutionRecord& record, bool resume, Json* parsed_input = nullptr,
              const LoadedWorkflow* workflow = nullptr, int64_t skip_seq = 0);
  // Redrive (runtime_redrive.cc). `as_child`: for a parent's redrive, which
  // may redrive its children.
  Status Redrive(ExecutionRecord record, bool as_child);
  // A redrive step's tasks: those still running in the rebuilt interpreter,
  // run again from their recorded requests.
  Status AddRedrivenTasks(const Active& active, workflows::Effects& effects);
  // The parent was redriven after this own child of it ended unsuccessfully.
  bool ChildRedrivenWithParent(const std::string& parent_id, const ExecutionRecord& child) const;
  Status RedriveChild(const ExecutionRecord& child);
  // Load(resume), with the failures that are the execution's own (not the
  // store's) turned into quarantine.
  Status Resume(const ExecutionRecord& record);
  // Adopts the live jobs (tasks.job_open) that no open task tracks.
  Status AdoptLiveJobs();
  // Acts on a step's effects; `orders` are its start_tasks with their
  // resources parsed.
  Status Perform(Active& active, const workflows::Effects& effects, std::vector<TaskOrder> orders);
  // Express only: a step that completes a function task, or continues a
  // step cut at its budget, and asks for nothing durable (more plain
  // function tasks at most) is not committed.
  bool ExpressStepIsInMemory(bool is_continue, const workflows::Effects& effects,
                             const std::vector<TaskOrder>& orders,
                             workflows::ExecutionStatus status) const;
  bool StoresOutput(const ExecutionRecord& record) const;
  Status ApplyCompletion(Completion completion);
  void PostCompletion(Completion completion);
  void FinishIfDone(const std::string& execution_id);
  Status RunPostedWork();

  // Jobs (runtime_jobs.cc).
  // Starts the tasks of `orders`: jobs, children and functions (a job_dir,
  // as recorded for a job submitted before, is kept: backends adopt by it).
  void SubmitTasks(const std::string& execution_id, std::vector<TaskOrder> orders);
  // The spec of a job task, with the job environment (docs/jobs.md).
  Result<backends::JobSpec> BuildJobSpec(const ExecutionRecord& record, const TaskOrder& order,
                                         backends::Backend& backend);
  // The task's job runs on without it: watched as a DetachedJob.
  void Detach(const TaskKey& key, const OpenTask& task, bool cancelled);
  // Cancels jobs of one backend (one batched call), counting its commands.
  void CancelJobs(const std::string& execution_id, backends::Backend& backend,
                  const std::vector<backends::JobHandle>& handles);
  // Perform()'s way in: batch-scheduler jobs are held for FlushBatched().
  void QueueTasks(const std::string& execution_id, std::vector<TaskOrder> orders);
  void FlushBatched(bool force);
  int64_t BatchDeadlineMs() const;
  void CancelTasks(const std::string& execution_id, const std::vector<uint64_t>& task_ids);
  // `reported`: the end comes from the job's wrapper (a callback), not from
  // the backend's own view (reconciliation, the fake backend). The key is
  // taken by value: callers find it in job_names_ or detached_jobs_, which
  // this erases from (a reference into them dangled: a server crash under
  // load).
  Result<JobEndOutcome> OnJobEnded(TaskKey key, const backends::JobEnd& end, bool reported);
  void Reconcile();
  // Adds what `backend` ran since `before` to the execution's command counts.
  void CountCommands(const std::string& execution_id, backends::Backend& backend,
                     const std::map<std::string, int64_t>& before);
  int64_t NextReconcileMs() const;
  std::string JobDir(const std::string& execution_id, const workflows::TaskRequest& task) const;
  std::string JobName(const std::string& execution_id, uint64_t task_id) const;
  // "-r<N>" for an execution redriven N times, else "".
  std::string RedriveSuffix(const std::string& execution_id) const;
  std::string TaskToken(const std::string& execution_id, const workflows::TaskRequest& r) const;

  // Function tasks (runtime_functions.cc): hands the call to the function
  // host; its end comes back as a completion.
  void CallFunction(const std::string& execution_id, const workflows::TaskRequest& request,
                    const TaskResource& resource);

  // Callbacks (runtime_callbacks.cc).
  CallbackReply HandleCallback(const CallbackRequest& request, const TaskKey& key);

  // Child workflows (runtime_children.cc).
  void StartChild(const std::string& parent_id, const workflows::TaskRequest& request,
                  const TaskResource& resource);
  // Where a child's definition came from.
  struct ChildSource {
    std::string workflow;       // its file (children resolve beside it)
    std::string state_machine;  // the registered name, "" for a file
    bool express = false;       // a registered EXPRESS state machine
  };
  // The second half of StartChild, on the loop, once the child's file was
  // read (off the loop): `text` or why it could not be read.
  void CreateChild(const std::string& parent_id, const workflows::TaskRequest& request,
                   const TaskResource& resource, const ChildSource& source,
                   Result<std::string> text);
  // Links the parent's task to its child (which exists) and starts it.
  void LinkChild(const std::string& parent_id, const workflows::TaskRequest& request,
                 const TaskResource& resource, const ExecutionRecord& child);
  // A .sync task waiting for a child's end: the child's own parent, or a
  // task that started an execution of the same name and input again.
  struct ChildWaiter {
    std::string parent_id;
    uint64_t task = 0;
    std::string mode;  // "sync" or "sync2"
  };
  // Hands a child's end to everyone waiting for it.
  void DeliverToParent(const ExecutionRecord& child, const std::string& status, const Json& output,
                       const workflows::AslError& error);
  void DeliverChildEnd(const ExecutionRecord& child, const std::string& status, const Json& output,
                       const workflows::AslError& error, const ChildWaiter& to);
  void StopChild(const std::string& child_id);

  RuntimeOptions options_;
  std::unique_ptr<ExecutionStore> store_;
  std::unique_ptr<BackendRegistry> backends_;
  std::map<std::string, Active> active_;
  // LoadDefinition's: by name and text; bounded (emptied when full).
  std::map<std::pair<std::string, std::string>, LoadedWorkflow> parsed_definitions_;
  std::map<TaskKey, OpenTask> open_tasks_;
  std::map<TaskKey, DetachedJob> detached_jobs_;
  std::map<std::string, TaskKey> job_names_;  // JobSpec::name -> task (open or detached)
  // Executions that tasks other than their parent's wait for (by id).
  std::map<std::string, std::vector<ChildWaiter>> child_waiters_;
  TimerQueue timers_;
  std::vector<workflows::HistoryEvent> pending_events_;
  bool replaying_ = false;
  // Set while ApplyCompletion applies the end of a task that came from its
  // job's own end, so that the decision also closes the job.
  bool completing_job_ended_ = false;
  // Set while ApplyCompletion applies the end of a plain function task.
  bool completing_function_ = false;
  int64_t next_reconcile_ms_ = 0;
  std::set<std::string> warned_;  // "backend/parameter" already warned about
  // Jobs for batch schedulers (Slurm) wait here briefly, so that the items a
  // Map's Retry sends back at nearly the same time go out as one array.
  std::vector<std::pair<std::string, TaskOrder>> batched_;  // (execution, order)
  int64_t batch_first_ms_ = 0;
  int64_t batch_last_ms_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Completion> completions_;
  std::deque<std::function<void()>> posted_;
  // Executions whose last step ran out of budget: continued in turn.
  std::deque<std::string> continues_;
  std::atomic<bool> shutdown_{false};
  std::atomic<int> interrupts_{0};
  bool interrupt_handled_ = false;
  int64_t interrupt_deadline_ms_ = 0;
  int64_t next_orphan_check_ms_ = 0;
  Status loop_failure_;  // a store failure inside posted work stops the loop
  // Last: destroyed first, so its work never outlives what it posts to.
  std::unique_ptr<BackgroundWorker> worker_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_DURABLE_RUNTIME_H_
