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
#include "orchestrator/runtime/workflow_loader.h"
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
  if (*existing && (*existing)->id == child_id)
    return LinkChild(parent_id, request, resource, **existing);
  const Json& params = request.parameters;
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
  // Read off the loop, bounded: the path may come from the input, and a
  // FIFO, a device (/dev/zero) or a slow file system must not stall or
  // crash the server.
  worker_->Post([this, parent_id, request, resource, machine] {
    Result<std::string> text = ReadRegularFile(machine, kMaxDefinitionBytes);
    Post([this, parent_id, request, resource, machine, text = std::move(text)]() mutable {
      CreateChild(parent_id, request, resource, machine, std::move(text));
    });
  });
}

void DurableRuntime::CreateChild(const std::string& parent_id,
                                 const workflows::TaskRequest& request,
                                 const TaskResource& resource, const std::string& machine,
                                 Result<std::string> text) {
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
  if (!LoadWorkflowText(*text, machine, problems)) {
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
    PostCompletion({parent_id,
                    task_id,
                    true,
                    Json{{"ExecutionArn", child.id}, {"StartDate", FormatTimeMs(NowMs())}},
                    {}});
  }
  if (child.status == "PENDING" && !active_.count(child.id)) {
    if (auto s = Load(child, false); !s) {
      PostCompletion(
          {parent_id, task_id, false, Json(), AslError{"States.TaskFailed", s.error().cause}});
    }
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

}  // namespace hpcflow::orchestrator
