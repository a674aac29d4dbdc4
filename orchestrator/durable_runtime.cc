#include "orchestrator/durable_runtime.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "backends/job_dir.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "orchestrator/job_params.h"
#include "orchestrator/task_resource.h"
#include "orchestrator/workflow_loader.h"

namespace hpcflow::orchestrator {

namespace {

namespace fs = std::filesystem;
using workflows::AslError;
using workflows::ExecutionStatus;

constexpr int64_t kTransitionsPerStep = 20'000;

std::string SafeName(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  }
  return out.substr(0, 80);
}

Json ErrorPayload(const AslError& error) {
  Json out = {{"error", error.name}};
  if (error.cause) out["cause"] = *error.cause;
  return out;
}

AslError ErrorFromPayload(const Json& payload) {
  AslError error;
  error.name = payload.value("error", "");
  if (payload.contains("cause") && payload["cause"].is_string()) {
    error.cause = payload["cause"].get<std::string>();
  }
  return error;
}

}  // namespace

Result<std::unique_ptr<DurableRuntime>> DurableRuntime::Create(RuntimeOptions options) {
  auto store = ExecutionStore::Open(options.state_dir);
  if (!store) return Fail(store.error());
  return std::unique_ptr<DurableRuntime>(new DurableRuntime(std::move(options),
                                                            std::move(*store)));
}

DurableRuntime::DurableRuntime(RuntimeOptions options, std::unique_ptr<ExecutionStore> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      local_(backends::LocalOptions{.wrapper_command = {options_.hpcflow_binary, "job-wrapper"}}) {}

DurableRuntime::~DurableRuntime() {
  RequestShutdown();
  // Watchers block until their job ends; jobs must outlive the server, so
  // they are detached rather than joined.
  for (auto& t : watchers_) t.detach();
}

void DurableRuntime::RequestShutdown() {
  shutdown_ = true;
  wake_.notify_all();
}

// ---------------------------------------------------------------------------
// Loading and recovery.

Status DurableRuntime::Load(const ExecutionRecord& record, bool resume) {
  std::vector<std::string> problems;
  auto loaded = LoadWorkflowText(record.definition, record.workflow, problems);
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
    return store_->Commit(d);
  }
  workflows::ExecutionInfo info;
  info.id = record.id;
  info.name = record.name;
  info.state_machine_name = loaded->name;
  info.state_machine_id = "hpcflow:stateMachine:" + loaded->name;
  info.random_seed = static_cast<uint64_t>(record.seed);
  workflows::Interpreter::Options interpreter_options;
  interpreter_options.max_payload_bytes = static_cast<size_t>(record.payload_limit);
  // Long Pass/Choice loops are cut into steps: each step's history is
  // committed on its own, and other executions get their turn in between.
  interpreter_options.max_transitions_per_step = kTransitionsPerStep;
  if (!record.express) {
    interpreter_options.on_event = [this](const workflows::HistoryEvent& e) {
      if (!replaying_) pending_events_.push_back(e);
    };
  }
  Active active;
  active.record = record;
  active.interpreter = std::make_unique<workflows::Interpreter>(loaded->definition, info,
                                                                std::move(interpreter_options));
  auto [it, inserted] = active_.emplace(record.id, std::move(active));
  Active& a = it->second;

  if (!resume || record.express) {
    // A new execution, or an express one that lost its in-memory state: it
    // starts from its input (express executions are at-least-once).
    auto input = ParseJson(record.input);
    InputRecord start{1, "start", 0, record.input, NowMs()};
    if (!input) start.payload = "{}";
    a.next_seq = 1;
    if (record.express) {
      replaying_ = false;
    }
    return Apply(a, std::move(start), 0);
  }

  // Replay what was decided before the crash; the interpreter reaches the
  // same state, with the same task and timer ids.
  auto inputs = store_->Inputs(record.id);
  if (!inputs) return Fail(inputs.error());
  replaying_ = true;
  bool more = false;
  for (const auto& in : *inputs) {
    auto payload = ParseJson(in.payload.empty() ? "null" : in.payload);
    Json value = payload ? std::move(*payload) : Json();
    auto& interp = *a.interpreter;
    workflows::Effects replayed;
    if (in.kind == "start") {
      replayed = interp.Start(std::move(value), in.time_ms);
    } else if (in.kind == "task_succeeded") {
      replayed = interp.OnTaskSucceeded(static_cast<uint64_t>(in.ref), std::move(value),
                                        in.time_ms);
    } else if (in.kind == "task_failed") {
      replayed = interp.OnTaskFailed(static_cast<uint64_t>(in.ref), ErrorFromPayload(value),
                                     in.time_ms);
    } else if (in.kind == "heartbeat") {
      replayed = interp.OnTaskHeartbeat(static_cast<uint64_t>(in.ref), in.time_ms);
    } else if (in.kind == "timer") {
      replayed = interp.OnTimerFired(static_cast<uint64_t>(in.ref), in.time_ms);
    } else if (in.kind == "stop") {
      replayed = interp.Stop(ErrorFromPayload(value), in.time_ms);
    } else if (in.kind == "continue") {
      replayed = interp.Continue(in.time_ms);
    }
    more = replayed.more;
    a.next_seq = in.seq + 1;
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
    timers_.emplace(t.fire_ms, std::make_pair(record.id, static_cast<uint64_t>(t.timer_id)));
  }
  auto tasks = store_->OpenTasks(record.id);
  if (!tasks) return Fail(tasks.error());
  for (const auto& t : *tasks) {
    auto request = ParseJson(t.request);
    if (!request) continue;
    if (t.status == "cancelling") {
      local_.Cancel({{"", JobDir(record.id, *request), ""}});
      (void)store_->SetTaskStatus(record.id, t.task_id, "cancelled", "");
    } else {
      // pending: maybe submitted just before the crash; Submit adopts it then.
      SubmitTask(record.id, *request);
    }
  }
  FinishIfDone(record.id);
  return {};
}

Status DurableRuntime::Recover() {
  auto running = store_->ListOwned("RUNNING", options_.owner, 1'000'000);
  if (!running) return Fail(running.error());
  for (const auto& record : *running) {
    if (auto s = Load(record, true); !s) return s;
  }
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
  auto& interp = *a.interpreter;
  pending_events_.clear();
  input.seq = a.next_seq;
  auto payload = ParseJson(input.payload.empty() ? "null" : input.payload);
  Json value = payload ? std::move(*payload) : Json();
  workflows::Effects effects;
  if (input.kind == "start") {
    effects = interp.Start(std::move(value), input.time_ms);
  } else if (input.kind == "task_succeeded") {
    effects = interp.OnTaskSucceeded(static_cast<uint64_t>(input.ref), std::move(value),
                                     input.time_ms);
  } else if (input.kind == "task_failed") {
    effects = interp.OnTaskFailed(static_cast<uint64_t>(input.ref), ErrorFromPayload(value),
                                  input.time_ms);
  } else if (input.kind == "heartbeat") {
    effects = interp.OnTaskHeartbeat(static_cast<uint64_t>(input.ref), input.time_ms);
  } else if (input.kind == "timer") {
    effects = interp.OnTimerFired(static_cast<uint64_t>(input.ref), input.time_ms);
  } else if (input.kind == "stop") {
    effects = interp.Stop(ErrorFromPayload(value), input.time_ms);
  } else if (input.kind == "continue") {
    effects = interp.Continue(input.time_ms);
  }
  if (effects.more) continues_.push_back(a.record.id);
  Decision d;
  d.execution_id = a.record.id;
  d.execution_num = a.record.num;
  d.input = input;
  if (a.record.express) d.input.kind.clear();  // express: no replay log
  d.events = std::move(pending_events_);
  pending_events_.clear();
  d.effects = &effects;
  d.completed_task = static_cast<int64_t>(completed_task);
  d.record_history = !a.record.express;
  d.status = workflows::ExecutionStatusName(interp.status());
  d.transitions = interp.transitions();
  if (interp.status() == ExecutionStatus::kSucceeded) {
    d.output = DumpJson(interp.output());
  } else if (interp.status() != ExecutionStatus::kRunning) {
    if (!interp.error().name.empty()) d.error = interp.error().name;
    d.cause = interp.error().cause;
  }
  if (interp.status() != ExecutionStatus::kRunning) d.stop_ms = input.time_ms;
  if (auto s = store_->Commit(d); !s) return s;
  ++a.next_seq;
  return Perform(a, effects);
}

Status DurableRuntime::Perform(Active& a, const workflows::Effects& effects) {
  const std::string id = a.record.id;
  for (const auto& t : effects.start_timers) {
    timers_.emplace(t.fire_at, std::make_pair(id, t.timer_id));
  }
  for (uint64_t timer : effects.cancel_timers) {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->second.first == id && it->second.second == timer) {
        timers_.erase(it);
        break;
      }
    }
  }
  for (uint64_t task : effects.cancel_tasks) {
    // The job directory is found from the stored request.
    auto tasks = store_->OpenTasks(id);
    if (!tasks) return Fail(tasks.error());
    for (const auto& t : *tasks) {
      if (static_cast<uint64_t>(t.task_id) != task) continue;
      auto request = ParseJson(t.request);
      if (t.resource.rfind("hpcflow:::states:", 0) == 0) {
        StopChild(id + ":" + std::to_string(t.task_id));
      } else if (request) {
        local_.Cancel({{"", JobDir(id, *request), ""}});
      }
      (void)store_->SetTaskStatus(id, t.task_id, "cancelled", "");
    }
  }
  for (const auto& task : effects.start_tasks) SubmitTask(id, TaskRequestToJson(task));
  FinishIfDone(id);
  return {};
}

void DurableRuntime::FinishIfDone(const std::string& id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  const auto& interp = *it->second.interpreter;
  if (interp.status() == ExecutionStatus::kRunning) return;
  for (auto t = timers_.begin(); t != timers_.end();) {
    t = t->second.first == id ? timers_.erase(t) : std::next(t);
  }
  ExecutionRecord record = it->second.record;
  std::string status = workflows::ExecutionStatusName(interp.status());
  Json output = interp.output();
  AslError error = interp.error();
  active_.erase(it);
  DeliverToParent(record, status, output, error);
}

// ---------------------------------------------------------------------------
// Child workflows.

void DurableRuntime::StartChild(const std::string& parent_id, const Json& request, bool wait,
                                bool sync2) {
  uint64_t task_id = request.value("task_id", uint64_t{0});
  auto fail = [&](std::string cause) {
    PostCompletion({parent_id, task_id, false, Json(), AslError{"States.TaskFailed", cause}});
  };
  // The child's id is derived from the parent's task, so a resubmission
  // after a crash finds the child instead of starting a second one.
  std::string child_id = parent_id + ":" + std::to_string(task_id);
  auto existing = store_->GetExecution(child_id);
  if (!existing) return fail(existing.error().cause);
  if (!*existing || (*existing)->id != child_id) {
    const Json& params = request["parameters"];
    std::string machine;
    for (const char* key : {"StateMachine", "StateMachineArn"}) {
      if (params.is_object() && params.contains(key) && params[key].is_string()) {
        machine = params[key].get<std::string>();
      }
    }
    if (machine.empty()) {
      return fail("startExecution needs StateMachine: the path of a workflow file");
    }
    auto parent = active_.find(parent_id);
    if (fs::path(machine).is_relative() && parent != active_.end()) {
      machine = (fs::path(parent->second.record.workflow).parent_path() / machine).string();
    }
    auto text = ReadFile(machine);
    if (!text) return fail("cannot read the child workflow: " + text.error().cause);
    std::vector<std::string> problems;
    if (!LoadWorkflowText(*text, machine, problems)) {
      return fail("the child workflow is invalid: " +
                  (problems.empty() ? std::string() : problems.front()));
    }
    Json input = Json::object();
    if (params.contains("Input")) {
      input = params["Input"];
      if (input.is_string()) {
        // AWS passes Input as a JSON string as often as an object.
        auto parsed = ParseJson(input.get<std::string>());
        if (parsed) input = std::move(*parsed);
      }
    }
    ExecutionRecord child;
    child.id = child_id;
    child.name = params.contains("Name") && params["Name"].is_string()
                     ? params["Name"].get<std::string>()
                     : child_id;
    child.workflow = machine;
    child.definition = *text;
    child.input = DumpJson(input);
    child.status = "PENDING";
    child.created_ms = NowMs();
    child.parent_id = parent_id;
    child.parent_task = static_cast<int64_t>(task_id);
    child.parent_mode = wait ? (sync2 ? "sync2" : "sync") : "";
    child.seed = static_cast<int64_t>(RandomSeed() >> 1);
    child.owner = options_.owner;
    if (parent != active_.end()) child.payload_limit = parent->second.record.payload_limit;
    if (auto s = store_->CreateExecution(child); !s) return fail(s.error().cause);
    existing = std::optional<ExecutionRecord>(child);
  }
  (void)store_->SetTaskStatus(parent_id, static_cast<int64_t>(task_id), "running", child_id);
  const ExecutionRecord& child = **existing;
  if (!wait) {
    PostCompletion({parent_id, task_id, true,
                    Json{{"ExecutionArn", child_id}, {"StartDate", FormatTimeMs(NowMs())}}, {}});
  }
  if (child.status == "PENDING" && !active_.count(child_id)) {
    if (auto s = Load(child, false); !s) return fail(s.error().cause);
  } else if (child.status != "RUNNING" && wait) {
    // It ended while this server was down: hand its result over now.
    auto output = ParseJson(child.output.value_or("null"));
    DeliverToParent(child, child.status, output ? *output : Json(),
                    AslError{child.error.value_or(""), child.cause});
  }
}

void DurableRuntime::DeliverToParent(const ExecutionRecord& child, const std::string& status,
                                     const Json& output, const AslError& error) {
  if (child.parent_id.empty() || child.parent_mode.empty()) return;
  if (!active_.count(child.parent_id)) return;  // the parent replays and asks again
  uint64_t task = static_cast<uint64_t>(child.parent_task);
  if (status == "SUCCEEDED") {
    Json result = {{"ExecutionArn", child.id},
                   {"Name", child.name},
                   {"Status", status},
                   {"Output", child.parent_mode == "sync2" ? output : Json(DumpJson(output))}};
    PostCompletion({child.parent_id, task, true, std::move(result), {}});
  } else {
    AslError failure = error;
    if (failure.name.empty()) failure.name = "States.TaskFailed";
    if (!failure.cause) failure.cause = "the child execution " + child.id + " ended " + status;
    PostCompletion({child.parent_id, task, false, Json(), failure});
  }
}

void DurableRuntime::StopChild(const std::string& child_id) {
  auto it = active_.find(child_id);
  if (it != active_.end()) {
    InputRecord input{0, "stop", 0,
                      DumpJson(Json{{"error", "States.Aborted"},
                                    {"cause", "the parent execution stopped this child"}}),
                      NowMs()};
    (void)Apply(it->second, std::move(input), 0);
    return;
  }
  // Not loaded yet (PENDING): it never starts.
  auto child = store_->GetExecution(child_id);
  if (!child || !*child || (*child)->status != "PENDING") return;
  Decision d;
  d.execution_id = child_id;
  d.status = "ABORTED";
  d.error = "States.Aborted";
  d.cause = "the parent execution stopped this child";
  d.stop_ms = NowMs();
  (void)store_->Commit(d);
}

// ---------------------------------------------------------------------------
// Jobs.

std::string DurableRuntime::JobDir(const std::string& execution_id, const Json& request) const {
  return options_.state_dir + "/executions/" + SafeName(execution_id) + "/tasks/" +
         std::to_string(request.value("task_id", uint64_t{0})) + "-" +
         SafeName(request.value("state", std::string("task")));
}

void DurableRuntime::SubmitTask(const std::string& execution_id, const Json& request) {
  uint64_t task_id = request.value("task_id", uint64_t{0});
  auto fail = [&](std::string name, std::string cause) {
    PostCompletion({execution_id, task_id, false, Json(), AslError{name, cause}});
  };
  auto resource = ParseTaskResource(request.value("resource", ""));
  if (!resource) return fail(resource.error().name, resource.error().cause);
  if (resource->service == "states" && resource->wait != WaitMode::kTaskToken) {
    return StartChild(execution_id, request, resource->wait == WaitMode::kSync,
                      request.value("resource", std::string()).find(".sync:2") !=
                          std::string::npos);
  }
  if (resource->service == "slurm" || resource->service == "states" ||
      resource->wait == WaitMode::kTaskToken) {
    return fail("hpcflow.UnsupportedResource",
                "'" + request.value("resource", std::string()) +
                    "' is not supported by this server yet (slurm, child workflows and "
                    ".waitForTaskToken come with later versions)");
  }
  std::vector<std::string> ignored;
  auto spec = JobSpecFromParameters(request["parameters"], local_, ignored);
  if (!spec) return fail(spec.error().name, spec.error().cause);
  std::string job_dir = JobDir(execution_id, request);
  backends::JobFiles files(job_dir);
  spec->job_dir = job_dir;
  spec->name = SafeName(execution_id) + "-" + std::to_string(task_id);
  std::error_code ec;
  fs::create_directories(job_dir, ec);
  if (!fs::exists(files.input(), ec)) {
    std::ofstream(files.input()) << DumpJson(request["parameters"]);
  }
  spec->environment["HPCFLOW_EXECUTION_ID"] = execution_id;
  spec->environment["HPCFLOW_STATE_NAME"] = request.value("state", "");
  spec->environment["HPCFLOW_INPUT"] = files.input();
  spec->environment["HPCFLOW_RESULT"] = files.result();
  spec->environment["HPCFLOW_STATE_DIR"] = options_.state_dir;
  // Lets a workflow find the scripts that sit beside it, wherever it runs.
  if (auto a = active_.find(execution_id); a != active_.end()) {
    std::error_code path_ec;
    auto dir = fs::absolute(fs::path(a->second.record.workflow), path_ec).parent_path();
    if (!path_ec) spec->environment["HPCFLOW_WORKFLOW_DIR"] = dir.string();
  }
  int64_t item = request.value("item", int64_t{-1});
  if (item >= 0) spec->environment["HPCFLOW_ITEM_INDEX"] = std::to_string(item);
  auto submitted = local_.Submit({*spec}, {});
  if (!submitted) return fail("States.TaskFailed", submitted.error().cause);
  (void)store_->SetTaskStatus(execution_id, static_cast<int64_t>(task_id), "running", job_dir);
  if (resource->wait == WaitMode::kRequestResponse) {
    // Returns once the job is accepted; the job runs on by itself.
    PostCompletion({execution_id, task_id, true,
                    Json{{"Backend", "local"},
                         {"JobId", spec->name},
                         {"Stdout", files.stdout_path()},
                         {"Stderr", files.stderr_path()}},
                    {}});
    return;
  }
  WatchJob(execution_id, task_id, request, job_dir);
}

void DurableRuntime::WatchJob(const std::string& execution_id, uint64_t task_id,
                              const Json& request, const std::string& job_dir) {
  std::string backend = "local";
  std::string job_id = SafeName(execution_id) + "-" + std::to_string(task_id);
  (void)request;
  watchers_.emplace_back([this, execution_id, task_id, job_dir, backend, job_id] {
    backends::JobEnd end = backends::WaitForJobEnd(job_dir);
    if (shutdown_) return;  // the next server adopts the job's end
    backends::JobFiles files(job_dir);
    auto result = TaskResultFromJobEnd(end, backend, job_id, files);
    if (result) {
      PostCompletion({execution_id, task_id, true, std::move(*result), {}});
    } else {
      PostCompletion({execution_id, task_id, false, Json(),
                      AslError{result.error().name, result.error().cause}});
    }
  });
}

void DurableRuntime::PostCompletion(Completion completion) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    completions_.push_back(std::move(completion));
  }
  wake_.notify_all();
}

// ---------------------------------------------------------------------------
// The loop.

Status DurableRuntime::HandleRequests() {
  auto requests = store_->TakeRequests(options_.owner);
  if (!requests) return Fail(requests.error());
  for (const auto& r : *requests) {
    auto it = active_.find(r.execution_id);
    if (it == active_.end()) continue;  // already finished: nothing to stop
    if (r.kind == "stop") {
      auto payload = ParseJson(r.payload.empty() ? "{}" : r.payload);
      Json p = payload ? *payload : Json::object();
      AslError error{p.value("error", std::string("States.Aborted")),
                     p.contains("cause") && p["cause"].is_string()
                         ? std::optional<std::string>(p["cause"].get<std::string>())
                         : std::optional<std::string>("stopped by the user")};
      InputRecord input{0, "stop", 0, DumpJson(ErrorPayload(error)), NowMs()};
      if (auto s = Apply(it->second, std::move(input), 0); !s) return s;
    }
  }
  return {};
}

Status DurableRuntime::FireDueTimers() {
  int64_t now = NowMs();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto [exec_id, timer_id] = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = active_.find(exec_id);
    if (it == active_.end()) continue;
    InputRecord input{0, "timer", static_cast<int64_t>(timer_id), "", now};
    if (auto s = Apply(it->second, std::move(input), 0); !s) return s;
  }
  return {};
}

Status DurableRuntime::Run(bool until_idle) {
  int64_t next_poll = 0;
  while (!shutdown_) {
    int64_t now = NowMs();
    if (now >= next_poll) {
      if (auto s = StartPending(); !s) return s;
      if (auto s = HandleRequests(); !s) return s;
      next_poll = now + options_.poll_interval_ms;
    }
    if (auto s = FireDueTimers(); !s) return s;
    std::deque<Completion> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      int64_t deadline = next_poll;
      if (!timers_.empty()) deadline = std::min(deadline, timers_.begin()->first);
      auto until = std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline));
      wake_.wait_until(lock, until, [&] {
        return !completions_.empty() || !continues_.empty() || shutdown_.load();
      });
      batch.swap(completions_);
    }
    for (auto& c : batch) {
      auto it = active_.find(c.execution_id);
      if (it == active_.end()) continue;
      InputRecord input;
      input.time_ms = NowMs();
      input.ref = static_cast<int64_t>(c.task_id);
      if (c.ok) {
        input.kind = "task_succeeded";
        input.payload = DumpJson(c.output);
      } else {
        input.kind = "task_failed";
        input.payload = DumpJson(ErrorPayload(c.error));
      }
      if (auto s = Apply(it->second, std::move(input), c.task_id); !s) return s;
    }
    // Executions cut at their step budget continue, one step each per round.
    std::deque<std::string> round;
    round.swap(continues_);
    for (const auto& id : round) {
      auto it = active_.find(id);
      if (it == active_.end()) continue;
      InputRecord input{0, "continue", 0, "", NowMs()};
      if (auto s = Apply(it->second, std::move(input), 0); !s) return s;
    }
    if (until_idle && active_.empty()) {
      auto pending = store_->ListOwned("PENDING", options_.owner, 1);
      if (pending && pending->empty()) break;
    }
  }
  return {};
}

}  // namespace hpcflow::orchestrator
