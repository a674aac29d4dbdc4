// Child workflows: hpcflow:::states:startExecution in its request-response,
// .sync and .sync:2 forms. A child is an execution of its own in the same
// store, tied to the parent's task, so that it survives restarts on its own
// and its end is handed to the parent however long it takes.
#include <filesystem>

#include "common/crash_point.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/runtime/state_machine_ref.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/execution_json.h"
#include "orchestrator/store/new_execution.h"

namespace hpcflow::orchestrator {

namespace fs = std::filesystem;
using workflows::AslError;

namespace {

// The largest child workflow definition read (AWS allows 1 MiB).
constexpr size_t kMaxDefinitionBytes = size_t{8} << 20;

}  // namespace

void DurableRuntime::StartChild(const std::string& parent_id, const workflows::TaskRequest& request,
                                const TaskResource& resource) {
  uint64_t task_id = request.task_id;
  auto fail = [&](std::string cause) {
    PostCompletion({parent_id, task_id, false, Json(), AslError{"States.TaskFailed", cause}});
  };
  // The child's id is derived from the parent's task, so a resubmission
  // after a crash finds the child instead of starting a second one.
  std::string child_id = ChildExecutionId(parent_id, task_id);
  auto existing = store_->GetExecution(child_id);
  if (!existing) return fail(existing.error().cause);
  if (*existing && (*existing)->id == child_id) {
    return LinkChild(parent_id, request, resource, **existing);
  }
  // Or it was linked to an execution of the same name that ran already
  // (the idempotent start below): that one again, not a new child.
  if (auto task = store_->GetTask(parent_id, static_cast<int64_t>(task_id)); task && *task) {
    const std::string& linked = (*task)->job_id;
    if (!linked.empty()) {
      auto other = store_->GetExecution(linked);
      if (other && *other && (*other)->id == linked) {
        return LinkChild(parent_id, request, resource, **other);
      }
    }
  }
  const Json& params = request.parameters;
  std::string machine;
  for (const char* key : {"StateMachine", "StateMachineArn"}) {
    if (params.is_object() && params.contains(key) && params[key].is_string()) {
      machine = params[key].get<std::string>();
    }
  }
  if (machine.empty()) {
    return fail(
        "startExecution needs StateMachine (or StateMachineArn): a workflow file, a registered "
        "name, hpcflow:stateMachine:NAME or an ARN");
  }
  auto parent = active_.find(parent_id);
  const ExecutionRecord* parent_record = parent != active_.end() ? &parent->second.record : nullptr;
  const std::string parent_dir =
      parent_record ? fs::path(parent_record->workflow).parent_path().string() : std::string();
  StateMachineRef ref = ParseStateMachineRef(machine);
  if (!ref.name.empty()) {
    auto registered = store_->GetStateMachine(ref.name);
    if (!registered) return fail(registered.error().cause);
    if (*registered) {
      StateMachineRecord& m = **registered;
      ChildSource source{m.workflow, m.name, m.type == "EXPRESS"};
      return CreateChild(parent_id, request, resource, source, std::move(m.definition));
    }
    if (parent_record && ref.name == StateMachineNameOf(*parent_record)) {
      // A workflow starting a copy of itself ($$.StateMachine.Id): its own
      // definition, as the parent runs it.
      ChildSource source{parent_record->workflow, parent_record->state_machine,
                         parent_record->express && !parent_record->state_machine.empty()};
      return CreateChild(parent_id, request, resource, source, parent_record->definition);
    }
    if (ref.path.empty()) {
      // An id form of a name nobody registered: a file of that name beside
      // the parent, as an unchanged AWS definition would have it.
      std::error_code ec;
      for (const auto& candidate : StateMachineFileCandidates(parent_dir, ref.name)) {
        if (fs::is_regular_file(candidate, ec)) {
          ref.path = candidate;
          break;
        }
      }
      if (ref.path.empty()) {
        return fail("the state machine '" + machine + "' is not registered (hpcflow register " +
                    ref.name + " FILE) and there is no " + ref.name +
                    ".yaml, .yml, .json or .asl.json beside " +
                    (parent_record ? parent_record->workflow : std::string("the parent")));
      }
    }
  }
  std::string path = ref.path;
  if (fs::path(path).is_relative() && parent_record) path = (fs::path(parent_dir) / path).string();
  // Read off the loop, bounded: the path may come from the input, and a
  // FIFO, a device (/dev/zero) or a slow file system must not stall or
  // crash the server.
  worker_->Post([this, parent_id, request, resource, path, named = !ref.name.empty()] {
    Result<std::string> text = ReadRegularFile(path, kMaxDefinitionBytes);
    if (!text && named) {
      text = Fail(text.error().name,
                  text.error().cause + " (nor is it a registered state machine: hpcflow register " +
                      "NAME FILE)");
    }
    Post([this, parent_id, request, resource, path, text = std::move(text)]() mutable {
      CreateChild(parent_id, request, resource, ChildSource{path, "", false}, std::move(text));
    });
  });
}

void DurableRuntime::CreateChild(const std::string& parent_id,
                                 const workflows::TaskRequest& request,
                                 const TaskResource& resource, const ChildSource& source,
                                 Result<std::string> text) {
  const std::string& machine = source.workflow;
  uint64_t task_id = request.task_id;
  const bool wait = resource.wait == WaitMode::kSync;
  // The parent may have ended, or stopped waiting, while the file was read.
  auto parent = active_.find(parent_id);
  if (parent == active_.end() || !open_tasks_.count({parent_id, task_id})) return;
  auto fail = [&](std::string cause) {
    PostCompletion({parent_id, task_id, false, Json(), AslError{"States.TaskFailed", cause}});
  };
  if (!text) return fail("cannot read the child workflow: " + text.error().cause);
  std::vector<std::string> problems;
  if (!LoadDefinition(*text, machine, problems)) {
    return fail("the child workflow is invalid: " +
                (problems.empty() ? std::string() : problems.front()));
  }
  const Json& params = request.parameters;
  Json input = Json::object();
  if (params.contains("Input")) {
    input = params["Input"];
    if (input.is_string()) {
      // AWS passes Input as a JSON string as often as an object.
      auto parsed = ParseJson(input.get<std::string>());
      if (parsed) input = std::move(*parsed);
    }
  }
  NewExecution spec;
  spec.id = ChildExecutionId(parent_id, task_id);
  if (params.contains("Name") && params["Name"].is_string()) {
    spec.name = params["Name"].get<std::string>();
  }
  spec.workflow = machine;
  spec.state_machine = source.state_machine;
  spec.express = source.express;
  spec.definition = std::move(*text);
  spec.input = DumpJson(input);
  spec.parent_id = parent_id;
  spec.parent_task = static_cast<int64_t>(task_id);
  spec.parent_mode = wait ? (resource.sync2 ? "sync2" : "sync") : "";
  spec.owner = options_.owner;
  spec.payload_limit = parent->second.record.payload_limit;
  spec.workdir = parent->second.record.workdir;
  spec.backend = parent->second.record.backend;
  ExecutionRecord child = NewExecutionRecord(std::move(spec));
  if (child.name != child.id) {
    // AWS: a name is unique among a state machine's executions. The same
    // name and input as a running one is the same start again (it is
    // linked, not started twice); anything else is refused.
    auto named = store_->FindNamed(child);
    if (!named) return fail(named.error().cause);
    if (*named) {
      const ExecutionRecord& other = **named;
      const bool open = other.status == "RUNNING" || other.status == "PENDING";
      if (open && other.input == child.input && other.owner == options_.owner) {
        return LinkChild(parent_id, request, resource, other);
      }
      PostCompletion(
          {parent_id, task_id, false, Json(),
           AslError{"StepFunctions.ExecutionAlreadyExistsException",
                    "Execution Already Exists: '" + other.id + "' (named '" + other.name + "', " +
                        other.status + (open ? ", with another input)" : ")")}});
      return;
    }
  }
  if (auto s = store_->CreateExecution(child); !s) return fail(s.error().cause);
  CrashPoint("runtime.child_start");
  LinkChild(parent_id, request, resource, child);
}

void DurableRuntime::LinkChild(const std::string& parent_id, const workflows::TaskRequest& request,
                               const TaskResource& resource, const ExecutionRecord& child) {
  uint64_t task_id = request.task_id;
  const bool wait = resource.wait == WaitMode::kSync;
  // .waitForTaskToken: the parent's task ends by a callback carrying its
  // token (which the child gets in its input), not by the child's end.
  bool token_wait = resource.wait == WaitMode::kTaskToken;
  (void)store_->SetTaskStatus(parent_id, static_cast<int64_t>(task_id), "running", child.id);
  if (!wait && !token_wait) {
    PostCompletion(
        {parent_id, task_id, true, Json{{"ExecutionArn", child.id}, {"StartDate", NowMs()}}, {}});
  }
  // Not its own child: an execution of the same name and input that this
  // task waits for too.
  const bool own = child.parent_id == parent_id && child.parent_task == int64_t(task_id);
  ChildWaiter waiter{parent_id, task_id, resource.sync2 ? "sync2" : "sync"};
  if (!own && wait && (child.status == "RUNNING" || child.status == "PENDING")) {
    child_waiters_[child.id].push_back(waiter);
  }
  if (child.status == "PENDING" && !active_.count(child.id)) {
    if (auto s = Load(child, false); !s) {
      PostCompletion(
          {parent_id, task_id, false, Json(), AslError{"States.TaskFailed", s.error().cause}});
    }
  } else if (own && ChildRedrivenWithParent(parent_id, child)) {
    // The parent was redriven after this child ended unsuccessfully: the
    // child runs again too (its own redrive; an express one starts over).
    if (auto s = RedriveChild(child); !s) {
      PostCompletion(
          {parent_id, task_id, false, Json(), AslError{"States.TaskFailed", s.error().cause}});
    }
  } else if (child.status != "RUNNING" && child.status != "PENDING" && wait) {
    // It ended while this server was down: hand its result over now.
    auto output = ParseJson(child.output.value_or("null"));
    AslError error{child.error.value_or(""), child.cause};
    if (own) {
      DeliverToParent(child, child.status, output ? *output : Json(), error);
    } else {
      DeliverChildEnd(child, child.status, output ? *output : Json(), error, waiter);
    }
  }
}

namespace {

// What AWS's DescribeExecution says of an ended child, as a .sync task gets
// it: Input and Output as JSON strings for .sync, as JSON for .sync:2.
Json DescribeEndedChild(const ExecutionRecord& child, const std::string& status, const Json& output,
                        const AslError& error, bool as_json) {
  Json d = Json::object();
  d["ExecutionArn"] = child.id;
  d["StateMachineArn"] = StateMachineId(StateMachineNameOf(child));
  d["Name"] = child.name;
  d["Status"] = status;
  d["StartDate"] = child.start_ms ? child.start_ms : child.created_ms;
  d["StopDate"] = child.stop_ms ? child.stop_ms : NowMs();
  if (as_json) {
    auto input = ParseJson(child.input.empty() ? "{}" : child.input);
    d["Input"] = input ? std::move(*input) : Json::object();
  } else {
    d["Input"] = child.input.empty() ? std::string("{}") : child.input;
  }
  d["InputDetails"] = {{"Included", true}};
  if (status == "SUCCEEDED") {
    d["Output"] = as_json ? output : Json(DumpJson(output));
    d["OutputDetails"] = {{"Included", true}};
  } else {
    if (!error.name.empty()) d["Error"] = error.name;
    if (error.cause) d["Cause"] = *error.cause;
  }
  d["RedriveCount"] = child.redrive_count;
  if (child.redrive_ms) d["RedriveDate"] = child.redrive_ms;
  std::string refusal = RedriveRefusal(child, status);
  d["RedriveStatus"] = refusal.empty() ? "REDRIVABLE" : "NOT_REDRIVABLE";
  if (!refusal.empty()) d["RedriveStatusReason"] = refusal;
  return d;
}

}  // namespace

void DurableRuntime::DeliverToParent(const ExecutionRecord& child, const std::string& status,
                                     const Json& output, const AslError& error) {
  if (!child.parent_id.empty() && !child.parent_mode.empty()) {
    DeliverChildEnd(child, status, output, error,
                    {child.parent_id, static_cast<uint64_t>(child.parent_task), child.parent_mode});
  }
  auto waiters = child_waiters_.find(child.id);
  if (waiters == child_waiters_.end()) return;
  std::vector<ChildWaiter> all = std::move(waiters->second);
  child_waiters_.erase(waiters);
  for (const auto& waiter : all) DeliverChildEnd(child, status, output, error, waiter);
}

void DurableRuntime::DeliverChildEnd(const ExecutionRecord& child, const std::string& status,
                                     const Json& output, const AslError& error,
                                     const ChildWaiter& to) {
  if (!active_.count(to.parent_id)) return;  // the parent replays and asks again
  Json described = DescribeEndedChild(child, status, output, error, to.mode == "sync2");
  if (status == "SUCCEEDED") {
    PostCompletion({to.parent_id, to.task, true, std::move(described), {}});
  } else {
    // As on AWS: the task fails with States.TaskFailed, and the cause is the
    // child's description as JSON text (States.StringToJson($.Cause) reads
    // the child's own Error and Cause back).
    PostCompletion(
        {to.parent_id, to.task, false, Json(), AslError{"States.TaskFailed", DumpJson(described)}});
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

}  // namespace hpcflow::orchestrator
