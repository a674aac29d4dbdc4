#include "orchestrator/runtime/durable_runtime.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/crash_point.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/job_params.h"
#include "orchestrator/runtime/replay.h"
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/runtime/task_resource.h"
#include "orchestrator/runtime/task_token.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

namespace {

namespace fs = std::filesystem;
using workflows::AslError;
using workflows::ExecutionStatus;

}  // namespace

Result<std::unique_ptr<DurableRuntime>> DurableRuntime::Create(RuntimeOptions options) {
  auto store = ExecutionStore::Open(options.state_dir);
  if (!store) return Fail(store.error());
  return std::unique_ptr<DurableRuntime>(new DurableRuntime(std::move(options), std::move(*store)));
}

DurableRuntime::DurableRuntime(RuntimeOptions options, std::unique_ptr<ExecutionStore> store)
    : options_(std::move(options)), store_(std::move(store)) {
  // Ends the backends report themselves (the fake's, the job launcher's
  // wrappers'), from their own threads, through the loop like any callback.
  auto on_backend_end = [this](const backends::JobHandle& handle, const backends::JobEnd& end) {
    Post([this, handle, end] {
      auto it = job_names_.find(handle.name);
      if (it == job_names_.end()) return;
      if (auto s = OnJobEnded(it->second, end, false); !s) loop_failure_ = Fail(s.error());
    });
  };
  // A job waits for a slot of this machine, then leaves the queue: its
  // task's timeout stops meanwhile (the interpreter's OnTaskQueued and
  // OnTaskStarted, recorded as inputs so that a replay does the same).
  auto queue_event = [this](const char* kind) {
    return [this, kind](const backends::JobHandle& handle) {
      Post([this, kind, name = handle.name] {
        auto it = job_names_.find(name);
        if (it == job_names_.end()) return;
        TaskKey key = it->second;
        auto open = open_tasks_.find(key);
        auto active = active_.find(key.first);
        if (open == open_tasks_.end() || active == active_.end() || !open->second.timed) return;
        InputRecord input{0, kind, static_cast<int64_t>(key.second), "", NowMs()};
        if (auto s = Apply(active->second, std::move(input), 0); !s) loop_failure_ = s;
      });
    };
  };
  backends_ =
      std::make_unique<BackendRegistry>(options_.hpcflow_binary, on_backend_end,
                                        queue_event("task_queued"), queue_event("task_started"));
  worker_ = std::make_unique<BackgroundWorker>();
}

DurableRuntime::~DurableRuntime() {
  RequestShutdown();
  // Work still on the worker may post back: finish it while all is alive.
  worker_.reset();
  // Jobs outlive the runtime: nothing here waits for them. The backends
  // (destroyed with the registry) stop only their own helper threads.
  backends_.reset();
}

void DurableRuntime::RequestShutdown() {
  shutdown_ = true;
  wake_.notify_all();
}

// ---------------------------------------------------------------------------
// Loading and recovery.

Result<LoadedWorkflow> DurableRuntime::LoadDefinition(const std::string& text,
                                                      const std::string& name,
                                                      std::vector<std::string>& problems) {
  // A few hundred distinct definitions at most in any real run; the bound
  // only keeps a server that runs many different ones from growing.
  constexpr size_t kMaxParsedDefinitions = 256;
  auto key = std::make_pair(name, text);
  if (auto it = parsed_definitions_.find(key); it != parsed_definitions_.end()) return it->second;
  auto loaded = LoadWorkflowText(text, name, problems);
  if (!loaded) return loaded;
  if (parsed_definitions_.size() >= kMaxParsedDefinitions) parsed_definitions_.clear();
  parsed_definitions_.emplace(std::move(key), *loaded);
  return loaded;
}

Status DurableRuntime::Load(const ExecutionRecord& record, bool resume, Json* parsed_input,
                            const LoadedWorkflow* workflow, int64_t skip_seq) {
  std::vector<std::string> problems;
  Result<LoadedWorkflow> loaded =
      workflow != nullptr ? Result<LoadedWorkflow>(*workflow)
                          : LoadDefinition(record.definition, record.workflow, problems);
  if (!loaded) {
    // Cannot happen for a workflow that was validated at submit time, unless
    // this hpcflow is older than the one that submitted it.
    InputRecord input{1, "invalid", 0, "", NowMs()};
    Decision d;
    d.execution_id = record.id;
    d.status = "FAILED";
    d.error = "hpcflow.InvalidDefinition";
    d.cause = problems.empty() ? "invalid definition" : problems.front();
    d.stop_ms = NowMs();
    Status committed = store_->Commit(d);
    if (committed && options_.on_finished) options_.on_finished(record.id);
    return committed;
  }
  InterpreterHooks hooks;
  // $$.Task.Token: signed, and the same again when the history is replayed.
  hooks.make_task_token = [this, id = record.id](const workflows::TaskRequest& r) {
    return TaskToken(id, r);
  };
  // Slurm throttles a Map's items itself (an array's %N): one sbatch for all.
  hooks.host_throttles = [this, backend = record.backend](const std::string& uri) {
    auto resource = ParseTaskResource(uri);
    return resource && resource->IsJob() &&
           backends_->CapabilitiesOf(BackendFor(*resource, backend)).arrays;
  };
  if (!record.express) {
    hooks.on_event = [this](const workflows::HistoryEvent& e) {
      if (!replaying_) pending_events_.push_back(e);
    };
  }
  Active active;
  active.record = record;
  active.interpreter = MakeExecutionInterpreter(record, *loaded, std::move(hooks));
  auto [it, inserted] = active_.emplace(record.id, std::move(active));
  Active& a = it->second;

  if (!resume || record.express) {
    // A new execution, or an express one that lost its in-memory state: it
    // starts from its input (express executions are at-least-once).
    // Express: no replay log, so the start needs no copy of the input text.
    InputRecord start{1, "start", 0, record.express ? std::string() : record.input, NowMs()};
    Json value;
    if (parsed_input != nullptr && !resume) {
      value = std::move(*parsed_input);
    } else if (auto input = ParseJson(record.input)) {
      value = std::move(*input);
    } else {
      start.payload = "{}";
      value = Json::object();
    }
    a.next_seq = 1;
    if (record.express) {
      replaying_ = false;
      std::string().swap(a.record.input);  // the store keeps it for a restart
    }
    return Apply(a, std::move(start), 0, std::move(value));
  }

  // Replay what was decided before the crash; the interpreter reaches the
  // same state, with the same task and timer ids.
  auto inputs = store_->Inputs(record.id);
  if (!inputs) return Fail(inputs.error());
  replaying_ = true;
  bool more = false;
  // Redrives continue from before the input that ended the execution.
  std::set<int64_t> skipped = RedrivenInputs(*inputs);
  if (skip_seq != 0) skipped.insert(skip_seq);
  for (const auto& in : *inputs) {
    a.next_seq = in.seq + 1;
    if (skipped.count(in.seq)) continue;
    workflows::Effects replayed = FeedInput(*a.interpreter, in, InputValue(in));
    more = replayed.more;
  }
  replaying_ = false;
  pending_events_.clear();
  if (more) continues_.push_back(record.id);  // it was cut at its budget
  if (inputs->empty()) {
    InputRecord start{1, "start", 0, record.input, NowMs()};
    return Apply(a, std::move(start), 0);
  }
  // Timers and jobs the store says are outstanding.
  auto timers = store_->Timers(record.id);
  if (!timers) return Fail(timers.error());
  for (const auto& t : *timers) {
    timers_.Add(t.fire_ms, record.id, static_cast<uint64_t>(t.timer_id));
  }
  auto tasks = store_->OpenTasks(record.id);
  if (!tasks) return Fail(tasks.error());
  std::vector<TaskOrder> resubmit;
  for (const auto& t : *tasks) {
    auto request = ParseJson(t.request);
    if (!request) continue;
    auto resource = ParseTaskResource(t.resource);
    bool is_job = resource && resource->IsJob();
    if (t.status == "cancelling") {
      // Asked to stop before the crash: ask again (idempotent). The job
      // stays live until its end is seen (AdoptLiveJobs watches it).
      if (resource && resource->IsChild()) {
        StopChild(ChildExecutionId(record.id, static_cast<uint64_t>(t.task_id)));
      } else if (is_job && !t.job_id.empty()) {
        auto handle = ParseJson(t.job_id);
        auto backend = backends_->Get(BackendFor(*resource, a.record.backend));
        if (handle && backend) {
          CancelJobs(record.id, **backend, {backends::JobHandleFromJson(*handle)});
        }
      }
      (void)store_->SetTaskStatus(record.id, t.task_id, "cancelled", "");
      continue;
    }
    // Pending or running: submitted again. Backends adopt what was submitted
    // before (by job directory and name: kept as recorded), start what never
    // started, and run nothing twice.
    TaskOrder order{TaskRequestFromJson(*request), std::move(resource), {}};
    if (is_job && !t.job_id.empty()) {
      auto handle = ParseJson(t.job_id);
      if (handle && handle->is_object() && handle->contains("job_dir") &&
          (*handle)["job_dir"].is_string()) {
        order.job_dir = (*handle)["job_dir"].get<std::string>();
      }
    }
    resubmit.push_back(std::move(order));
  }
  if (!resubmit.empty()) SubmitTasks(record.id, std::move(resubmit));
  next_reconcile_ms_ = std::min<int64_t>(next_reconcile_ms_ ? next_reconcile_ms_ : INT64_MAX,
                                         NowMs() + options_.reconcile_busy_ms);
  FinishIfDone(record.id);
  return {};
}

namespace {

// How often the server dies while resuming one execution before that
// execution is quarantined: one crash may be a coincidence (a kill -9 while
// it recovered), three in a row are the execution's doing.
constexpr int kMaxRecoveryCrashes = 3;

}  // namespace

Status DurableRuntime::Resume(const ExecutionRecord& record) {
  std::string why;
  try {
    Status loaded = Load(record, true);
    if (loaded || loaded.error().name == "store") return loaded;
    why = loaded.error().cause;
  } catch (const std::exception& e) {
    why = std::string("internal error: ") + e.what();
  }
  // Whatever it left behind goes; the execution ends with the reason.
  active_.erase(record.id);
  timers_.CancelAll(record.id);
  for (auto t = open_tasks_.lower_bound({record.id, 0});
       t != open_tasks_.end() && t->first.first == record.id;) {
    job_names_.erase(t->second.handle.name);
    t = open_tasks_.erase(t);
  }
  std::cerr << "hpcflow: quarantined execution " << record.id << ": it cannot be resumed: " << why
            << "\n";
  return store_->FailExecution(record.id, "hpcflow.RecoveryFailed",
                               "hpcflow could not resume this execution: " + why);
}

Status DurableRuntime::Recover() {
  auto running = store_->ListOwned("RUNNING", options_.owner, 1'000'000);
  if (!running) return Fail(running.error());
  // A marker names the execution being resumed and how many servers in a
  // row died while resuming it, so that one whose recovery crashes the
  // process (not just fails) is quarantined instead of crashing every
  // restart.
  const std::string marker = options_.state_dir + "/recovering";
  std::string crashed_id;
  int crashes = 0;
  if (auto text = ReadFile(marker)) {
    auto space = text->find(' ');
    crashed_id = text->substr(0, space);
    if (space != std::string::npos) crashes = std::atoi(text->c_str() + space + 1);
  }
  for (const auto& record : *running) {
    int count = record.id == crashed_id ? crashes + 1 : 1;
    if (count > kMaxRecoveryCrashes) {
      std::cerr << "hpcflow: quarantined execution " << record.id << ": the server died " << crashes
                << " times in a row while resuming it\n";
      if (auto s = store_->FailExecution(
              record.id, "hpcflow.RecoveryFailed",
              "hpcflow could not resume this execution: the server died " +
                  std::to_string(crashes) + " times in a row while resuming it");
          !s) {
        return s;
      }
      continue;
    }
    (void)WriteFileAtomically(marker, record.id + " " + std::to_string(count));
    if (auto s = Resume(record); !s) return s;
  }
  std::remove(marker.c_str());
  if (auto s = AdoptLiveJobs(); !s) return s;
  if (options_.owner.empty()) {
    if (auto adopted = AdoptOrphans(); !adopted) return Fail(adopted.error());
  }
  return {};
}

Result<int> DurableRuntime::AdoptOrphans() {
  auto records = store_->ListRunOwned();
  if (!records) return Fail(records.error());
  int adopted = 0;
  for (const auto& record : *records) {
    if (IsOwnerAlive(options_.state_dir, record.owner)) continue;
    if (auto s = AdoptExecution(record); !s) return Fail(s.error());
    ++adopted;
  }
  if (adopted > 0) {
    if (auto s = AdoptLiveJobs(); !s) return Fail(s.error());
  }
  return adopted;
}

Status DurableRuntime::AdoptExecution(const ExecutionRecord& record) {
  if (active_.count(record.id)) return {};
  if (auto s = store_->SetOwner(record.id, options_.owner); !s) return s;
  if (record.express) {
    // A synchronous express run: its output was for the `run` that died,
    // and it kept no input to start again from. Its jobs are stopped
    // (AdoptLiveJobs cancels them), not run again for nobody.
    std::cerr << "hpcflow: aborted express execution " << record.id << ": its owner "
              << record.owner << " is gone\n";
    return store_->AbortExecution(record.id, "hpcflow.RunLost",
                                  "the hpcflow run process that ran this express execution "
                                  "ended before it did (express runs keep no input to start "
                                  "again from); its jobs were cancelled");
  }
  std::cerr << "hpcflow: took over execution " << record.id << " (" << record.status
            << ") from its owner " << record.owner << ", which is gone\n";
  ExecutionRecord mine = record;
  mine.owner = options_.owner;
  // A pending one is started by StartPending like any other.
  if (mine.status == "RUNNING") return Resume(mine);
  return {};
}

Status DurableRuntime::StartPending() {
  auto pending = store_->ListOwned("PENDING", options_.owner, 1000);
  if (!pending) return Fail(pending.error());
  for (const auto& record : *pending) {
    if (active_.count(record.id)) continue;
    if (auto s = Load(record, false); !s) return s;
  }
  return {};
}

// ---------------------------------------------------------------------------
// Decisions.

Status DurableRuntime::Apply(Active& a, InputRecord input, uint64_t completed_task) {
  auto payload = ParseJson(input.payload.empty() ? "null" : input.payload);
  Json value = payload ? std::move(*payload) : Json();
  return Apply(a, std::move(input), completed_task, std::move(value));
}

Status DurableRuntime::Apply(Active& a, InputRecord input, uint64_t completed_task, Json value) {
  auto& interp = *a.interpreter;
  pending_events_.clear();
  input.seq = a.next_seq;
  workflows::Effects effects = FeedInput(interp, input, std::move(value));
  if (effects.more) continues_.push_back(a.record.id);
  const bool redrive = input.kind == "redrive";
  if (redrive) {
    if (auto s = AddRedrivenTasks(a, effects); !s) return s;
  }
  Decision d;
  d.redrive = redrive;
  d.execution_id = a.record.id;
  d.execution_num = a.record.num;
  d.completed_status = input.kind == "task_succeeded" ? "succeeded" : "failed";
  const int64_t input_time_ms = input.time_ms;
  const bool is_continue = input.kind == "continue";
  d.input = std::move(input);
  if (a.record.express) {
    // Express: no replay log, so the input (maybe a large Map's items) is
    // not copied into the decision either.
    d.input.kind.clear();
    d.input.payload.clear();
  }
  d.events = std::move(pending_events_);
  pending_events_.clear();
  d.effects = &effects;
  d.completed_task = static_cast<int64_t>(completed_task);
  d.completed_job_ended = completing_job_ended_;
  d.record_history = !a.record.express;
  d.status = workflows::ExecutionStatusName(interp.status());
  d.transitions = interp.transitions();
  if (interp.status() == ExecutionStatus::kSucceeded) {
    if (StoresOutput(a.record)) d.output = DumpJson(interp.output());
  } else if (interp.status() != ExecutionStatus::kRunning) {
    if (!interp.error().name.empty()) d.error = interp.error().name;
    d.cause = interp.error().cause;
  }
  if (interp.status() != ExecutionStatus::kRunning) d.stop_ms = input_time_ms;
  // Kept in memory too: a child's end is described to its parent from here.
  if (a.record.start_ms == 0) a.record.start_ms = input_time_ms;
  a.record.stop_ms = d.stop_ms;
  // Each task's resource is parsed once, here: the express check and the
  // jobs, children and functions started below all use it.
  std::vector<TaskOrder> orders;
  orders.reserve(effects.start_tasks.size());
  for (const auto& task : effects.start_tasks) {
    orders.push_back(TaskOrder{task, ParseTaskResource(task.resource), {}});
  }
  if (a.record.express && ExpressStepIsInMemory(is_continue, effects, orders, interp.status())) {
    // Nothing of this step is needed after a crash: an express execution
    // starts again from its input, and the step touches no job, timer or
    // token. Function tasks in a loop, and the steps a long loop or a large
    // Map is cut into, then cost no transaction each.
    ++a.next_seq;
    return Perform(a, effects, std::move(orders));
  }
  if (auto s = store_->Commit(d); !s) return s;
  CrashPoint("runtime.after_commit");
  if (options_.on_events && !d.events.empty()) options_.on_events(a.record.id, d.events);
  ++a.next_seq;
  return Perform(a, effects, std::move(orders));
}

bool DurableRuntime::ExpressStepIsInMemory(bool is_continue, const workflows::Effects& effects,
                                           const std::vector<TaskOrder>& orders,
                                           ExecutionStatus status) const {
  if (!(completing_function_ || is_continue) || status != ExecutionStatus::kRunning) return false;
  if (!effects.start_timers.empty() || !effects.cancel_timers.empty() ||
      !effects.cancel_tasks.empty()) {
    return false;
  }
  for (const auto& order : orders) {
    const auto& resource = order.resource;
    if (!resource || !resource->IsFunction() || resource->wait != WaitMode::kRequestResponse) {
      return false;
    }
  }
  return true;
}

bool DurableRuntime::StoresOutput(const ExecutionRecord& record) const {
  return options_.store_express_output || !record.express || !record.parent_id.empty();
}

Status DurableRuntime::Perform(Active& a, const workflows::Effects& effects,
                               std::vector<TaskOrder> orders) {
  const std::string id = a.record.id;
  for (const auto& t : effects.start_timers) {
    timers_.Add(t.fire_at, id, t.timer_id);
  }
  for (uint64_t timer : effects.cancel_timers) timers_.Cancel(id, timer);
  if (!effects.cancel_tasks.empty()) CancelTasks(id, effects.cancel_tasks);
  if (!orders.empty()) QueueTasks(id, std::move(orders));
  FinishIfDone(id);
  return {};
}

void DurableRuntime::FinishIfDone(const std::string& id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  const auto& interp = *it->second.interpreter;
  if (interp.status() == ExecutionStatus::kRunning) return;
  timers_.CancelAll(id);
  for (auto t = open_tasks_.lower_bound({id, 0}); t != open_tasks_.end() && t->first.first == id;) {
    if (t->second.is_job && t->second.backend && !t->second.job_ended &&
        !t->second.handle.name.empty()) {
      Detach(t->first, t->second, false);  // its job runs on: still watched
    } else {
      job_names_.erase(t->second.handle.name);
    }
    t = open_tasks_.erase(t);
  }
  ExecutionRecord record = std::move(it->second.record);
  FinishedExecution finished;
  finished.id = record.id;
  finished.status = interp.status();
  finished.error = interp.error();
  finished.transitions = interp.transitions();
  finished.output =
      it->second.interpreter->TakeOutput();  // moved: a large Map's result is not copied
  active_.erase(it);
  DeliverToParent(record, workflows::ExecutionStatusName(finished.status), finished.output,
                  finished.error);
  if (options_.on_result) options_.on_result(std::move(finished));
  if (options_.on_finished) options_.on_finished(record.id);
}

// ---------------------------------------------------------------------------
// Work handed in from other threads.

void DurableRuntime::Post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(work));
  }
  wake_.notify_all();
}

void DurableRuntime::PostCompletion(Completion completion) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    completions_.push_back(std::move(completion));
  }
  wake_.notify_all();
}

void DurableRuntime::PostCallback(CallbackRequest request,
                                  std::function<void(CallbackReply)> reply) {
  // Checked on the caller's thread: forged tokens never reach the loop.
  auto claims = VerifyTaskToken(options_.token_secret, request.token);
  if (!claims) {
    reply({403, Json{{"status", "refused"},
                     {"error", claims.error().name},
                     {"message", claims.error().cause}}});
    return;
  }
  if (request.kind == CallbackKind::kJobEnd &&
      !CheckJobReportKey(options_.token_secret, request.token, request.report_key)) {
    // The token is the task's (a .waitForTaskToken job may hand it to
    // anyone); only the job's wrapper knows the job's report key.
    reply({403, Json{{"status", "refused"},
                     {"error", "hpcflow.InvalidReportKey"},
                     {"message",
                      "a job-end report needs the job wrapper's report key; the task "
                      "token alone does not authorise it"}}});
    return;
  }
  TaskKey key{claims->execution_id, claims->task_id};
  Post([this, request = std::move(request), key, reply = std::move(reply)] {
    CallbackReply answer = HandleCallback(request, key);
    CrashPoint("runtime.callback_before_reply");
    reply(std::move(answer));
  });
}

Status DurableRuntime::ApplyCompletion(Completion c) {
  auto it = active_.find(c.execution_id);
  if (it == active_.end()) return {};
  // Only a task the interpreter still waits for ends: a late report (after
  // a timeout or a cancel) changes nothing.
  TaskKey key{c.execution_id, c.task_id};
  auto open = open_tasks_.find(key);
  if (open == open_tasks_.end()) return {};
  bool job_live = open->second.is_job && open->second.backend && !open->second.job_ended &&
                  !open->second.handle.name.empty();
  if (job_live && !c.from_job_end) {
    // The task ends while its job runs (a callback, an acceptance): a .sync
    // job's work is unwanted now and is cancelled; a request-response or
    // token job runs on. Either way it stays watched until it ends.
    bool cancel = open->second.resource.wait == WaitMode::kSync;
    if (cancel) CancelJobs(c.execution_id, *open->second.backend, {open->second.handle});
    Detach(key, open->second, cancel);
  } else {
    job_names_.erase(open->second.handle.name);
  }
  const bool is_plain_function = open->second.resource.IsFunction() &&
                                 open->second.resource.wait == WaitMode::kRequestResponse;
  open_tasks_.erase(open);
  InputRecord input;
  input.time_ms = NowMs();
  input.ref = static_cast<int64_t>(c.task_id);
  // The payload is recorded as text and handed over as it is: no re-parse.
  Json value = c.ok ? std::move(c.output) : ErrorPayload(c.error);
  input.kind = c.ok ? "task_succeeded" : "task_failed";
  input.payload = DumpJson(value);
  completing_job_ended_ = c.from_job_end;
  completing_function_ = is_plain_function;
  Status applied = Apply(it->second, std::move(input), c.task_id, std::move(value));
  completing_job_ended_ = false;
  completing_function_ = false;
  return applied;
}

Status DurableRuntime::RunPostedWork() {
  std::deque<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work.swap(posted_);
  }
  for (auto& w : work) {
    w();
    if (!loop_failure_) return loop_failure_;
  }
  return {};
}

// ---------------------------------------------------------------------------
// The control API's entry points (loop thread).

Status DurableRuntime::CreateExecution(ExecutionRecord& record) {
  record.owner = options_.owner;
  return store_->CreateExecution(record);
}

Status DurableRuntime::StartExecution(ExecutionRecord& record, Json input,
                                      const LoadedWorkflow* workflow) {
  if (auto s = CreateExecution(record); !s) return s;
  return Load(record, false, &input, workflow);
}

void DurableRuntime::LoadCreated(const ExecutionRecord& record) {
  if (active_.count(record.id)) return;  // StartPending was first
  if (auto s = Load(record, false); !s) loop_failure_ = s;
}

Status DurableRuntime::StopExecution(const std::string& id, const AslError& error) {
  auto it = active_.find(id);
  if (it == active_.end()) return {};  // already finished: nothing to stop
  InputRecord input{0, "stop", 0, DumpJson(ErrorPayload(error)), NowMs()};
  return Apply(it->second, std::move(input), 0);
}

Json DurableRuntime::BackendCommandCounts() const { return backends_->CommandCounts(); }

// ---------------------------------------------------------------------------
// The loop.

Status DurableRuntime::HandleRequests() {
  auto requests = store_->TakeRequests(options_.owner);
  if (!requests) return Fail(requests.error());
  for (const auto& r : *requests) {
    if (r.kind == "redrive") {
      // The requester (a CLI while this engine was closed) is gone: a
      // refusal can only be logged.
      if (auto s = RedriveExecution(r.execution_id); !s) {
        if (s.error().name == "store") return s;
        std::cerr << "hpcflow: cannot redrive " << r.execution_id << ": " << s.error().cause
                  << "\n";
      }
      continue;
    }
    if (r.kind != "stop") continue;
    auto payload = ParseJson(r.payload.empty() ? "{}" : r.payload);
    Json p = payload ? *payload : Json::object();
    AslError error{p.value("error", std::string("States.Aborted")),
                   p.contains("cause") && p["cause"].is_string()
                       ? std::optional<std::string>(p["cause"].get<std::string>())
                       : std::optional<std::string>("stopped by the user")};
    if (auto s = StopExecution(r.execution_id, error); !s) return s;
  }
  return {};
}

Status DurableRuntime::FireDueTimers() {
  int64_t now = NowMs();
  while (auto due = timers_.PopDue(now)) {
    const std::string exec_id = due->execution_id;
    const uint64_t timer_id = due->timer_id;
    auto it = active_.find(exec_id);
    if (it == active_.end()) continue;
    CrashPoint("runtime.timer_fire");
    InputRecord input{0, "timer", static_cast<int64_t>(timer_id), "", now};
    if (auto s = Apply(it->second, std::move(input), 0); !s) return s;
  }
  return {};
}

namespace {

// How long `run` waits, once its executions ended, for the jobs it
// cancelled to end (their wrappers give SIGKILL after kJobStopGraceMs).
constexpr int64_t kCancelledJobsWaitMs = 15'000;
// How often the server looks for executions of dead `hpcflow run`s.
constexpr int64_t kOrphanCheckMs = 2'000;

}  // namespace

std::vector<std::string> DurableRuntime::DescribeLiveJobs() const {
  std::vector<std::string> out;
  auto describe = [](const std::string& execution, backends::Backend* backend,
                     const backends::JobHandle& handle) {
    return (backend ? backend->Name() : std::string("?")) + " job " + JobIdOf(handle) +
           " of execution " + execution + " (" + handle.job_dir + ")";
  };
  for (const auto& [key, task] : open_tasks_) {
    if (task.is_job && !task.job_ended && !task.handle.name.empty()) {
      out.push_back(describe(key.first, task.backend, task.handle));
    }
  }
  for (const auto& [key, job] : detached_jobs_) {
    out.push_back(describe(key.first, job.backend, job.handle));
  }
  return out;
}

Status DurableRuntime::Run(bool until_idle) {
  int64_t next_poll = 0;
  int64_t idle_since_ms = 0;
  if (next_reconcile_ms_ == 0) next_reconcile_ms_ = NowMs() + options_.reconcile_quiet_ms;
  while (!shutdown_) {
    int64_t now = NowMs();
    if (interrupts_ >= 2) break;  // the caller says what is left running
    if (interrupts_ >= 1 && !interrupt_handled_) {
      // Stop everything this runtime runs; its jobs are cancelled.
      interrupt_handled_ = true;
      std::vector<std::string> ids;
      for (const auto& [id, active] : active_) ids.push_back(id);
      for (const auto& id : ids) {
        AslError error{"States.Aborted", std::string("hpcflow run was interrupted")};
        if (auto s = StopExecution(id, error); !s) return s;
      }
    }
    if (now >= next_poll) {
      if (!interrupt_handled_) {
        if (auto s = StartPending(); !s) return s;
      }
      if (auto s = HandleRequests(); !s) return s;
      next_poll = now + options_.poll_interval_ms;
    }
    if (options_.owner.empty() && now >= next_orphan_check_ms_) {
      next_orphan_check_ms_ = now + kOrphanCheckMs;
      if (auto adopted = AdoptOrphans(); !adopted) return Fail(adopted.error());
    }
    if (now >= next_reconcile_ms_) {
      Reconcile();
      next_reconcile_ms_ = NextReconcileMs();
    }
    if (auto s = FireDueTimers(); !s) return s;
    FlushBatched(false);
    std::deque<Completion> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      int64_t deadline = std::min(next_poll, next_reconcile_ms_);
      if (!timers_.empty()) deadline = std::min(deadline, timers_.next_fire_ms());
      if (!batched_.empty()) deadline = std::min(deadline, BatchDeadlineMs());
      auto until = std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline));
      wake_.wait_until(lock, until, [&] {
        return !completions_.empty() || !posted_.empty() || !continues_.empty() ||
               shutdown_.load() || interrupts_.load() > (interrupt_handled_ ? 1 : 0);
      });
      batch.swap(completions_);
    }
    for (auto& c : batch) {
      if (auto s = ApplyCompletion(std::move(c)); !s) return s;
    }
    if (auto s = RunPostedWork(); !s) return s;
    // Executions cut at their step budget continue, one step each per round.
    std::deque<std::string> round;
    round.swap(continues_);
    for (const auto& id : round) {
      auto it = active_.find(id);
      if (it == active_.end()) continue;
      InputRecord input{0, "continue", 0, "", NowMs()};
      if (auto s = Apply(it->second, std::move(input), 0); !s) return s;
    }
    if (!loop_failure_) return loop_failure_;
    if (until_idle && active_.empty()) {
      auto pending = store_->ListOwned("PENDING", options_.owner, 1);
      if (pending && (pending->empty() || interrupt_handled_)) {
        // Done, once the jobs it cancelled have ended (briefly: they get
        // SIGTERM, then SIGKILL).
        if (idle_since_ms == 0) idle_since_ms = NowMs();
        bool cancelling = std::any_of(detached_jobs_.begin(), detached_jobs_.end(),
                                      [](const auto& j) { return j.second.cancelled; });
        if (!cancelling || NowMs() - idle_since_ms > kCancelledJobsWaitMs) break;
        next_reconcile_ms_ = std::min(next_reconcile_ms_, NowMs() + options_.reconcile_busy_ms);
      }
    }
  }
  return {};
}

}  // namespace hpcflow::orchestrator
