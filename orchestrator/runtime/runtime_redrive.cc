// Redrive (Step Functions' RedriveExecution): an execution that FAILED,
// TIMED_OUT or was ABORTED continues under the same id. Its interpreter is
// rebuilt from its inputs without the one that ended it, so what had
// succeeded is kept and what failed, or was cancelled by the end, is still
// running there; a "redrive" input (recorded with the ref of the input it
// leaves out, so every later replay leaves it out too) then resets retry
// counters, restarts timers and records ExecutionRedriven, and the tasks
// still running go out again as new jobs. Children of the redriven tasks
// are redriven with them.
#include "common/ids.h"
#include "common/time_format.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/runtime/replay.h"
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/store/execution_json.h"

namespace hpcflow::orchestrator {

namespace {

constexpr const char* kNotRedrivable = "ExecutionNotRedrivable";

}  // namespace

Status DurableRuntime::RedriveExecution(const std::string& id_or_name) {
  auto found = store_->GetExecution(id_or_name);
  if (!found) return Fail(found.error());
  if (!*found) {
    return Fail("ExecutionDoesNotExist", "no execution with id or name '" + id_or_name + "'");
  }
  return Redrive(std::move(**found), false);
}

Status DurableRuntime::Redrive(ExecutionRecord record, bool as_child) {
  const std::string id = record.id;
  // A parent redrives its own children (the user redrives the parent).
  std::string refusal = RedriveRefusal(record, record.status, as_child);
  if (!refusal.empty()) return Fail(kNotRedrivable, "execution " + id + ": " + refusal);
  if (active_.count(id)) return Fail(kNotRedrivable, "execution " + id + " is running");
  auto basis = store_->GetRedriveBasis(record);
  if (!basis) return Fail(basis.error());
  if (basis->last_input_seq == 0) {
    return Fail(kNotRedrivable, "execution " + id + " never started: nothing to continue");
  }
  if (basis->cancelling_tasks > 0) {
    return Fail(kNotRedrivable, "execution " + id + ": " + std::to_string(basis->cancelling_tasks) +
                                    " of its jobs are still being stopped; redrive it once they "
                                    "have ended");
  }
  if (record.owner != options_.owner) {
    if (auto s = store_->SetOwner(id, options_.owner); !s) return s;
    record.owner = options_.owner;
  }
  const int64_t now = NowMs();
  record.status = "RUNNING";
  record.error.reset();
  record.cause.reset();
  record.stop_ms = 0;
  if (auto s = Load(record, true, nullptr, nullptr, basis->last_input_seq); !s) {
    active_.erase(id);
    return s;
  }
  auto it = active_.find(id);
  if (it == active_.end() ||
      it->second.interpreter->status() != workflows::ExecutionStatus::kRunning) {
    // Its end was not the doing of its last input (hpcflow ended it from
    // outside): continuing from before that input would run it twice.
    active_.erase(id);
    return Fail(kNotRedrivable,
                "execution " + id + " did not end by one of its own steps; start it again instead");
  }
  Active& a = it->second;
  workflows::RedriveRequest request;
  request.count = record.redrive_count + 1;
  request.next_event_id = basis->last_event_id + 1;
  request.next_task_id = static_cast<uint64_t>(basis->last_task_id) + 1;
  a.record.redrive_count = request.count;
  a.record.redrive_ms = now;
  InputRecord input{0, "redrive", basis->last_input_seq, DumpJson(RedrivePayload(request)), now};
  return Apply(a, std::move(input), 0);
}

Status DurableRuntime::AddRedrivenTasks(const Active& a, workflows::Effects& effects) {
  for (uint64_t task_id : a.interpreter->RunningTasks()) {
    auto task = store_->GetTask(a.record.id, static_cast<int64_t>(task_id));
    if (!task) return Fail(task.error());
    if (!*task) continue;  // cannot happen: every started task has its row
    auto request = ParseJson((*task)->request);
    if (!request) continue;
    // Recorded again as pending (INSERT OR REPLACE): a new job, in a new
    // job directory (JobDir counts redrives), is started for it.
    effects.start_tasks.push_back(TaskRequestFromJson(*request));
  }
  return {};
}

bool DurableRuntime::ChildRedrivenWithParent(const std::string& parent_id,
                                             const ExecutionRecord& child) const {
  if (!IsUnsuccessfulEnd(child.status)) return false;
  auto parent = active_.find(parent_id);
  if (parent == active_.end()) return false;
  const int64_t redriven = parent->second.record.redrive_ms;
  return redriven != 0 && child.stop_ms <= redriven;
}

Status DurableRuntime::RedriveChild(const ExecutionRecord& child) {
  if (!child.express) return Redrive(child, true);
  // Express children keep no history: AWS starts them again (a new
  // StartExecution); here the same child record starts over from its input.
  ExecutionRecord again = child;
  again.status = "RUNNING";
  again.error.reset();
  again.cause.reset();
  again.output.reset();
  again.stop_ms = 0;
  return Load(again, false);
}

}  // namespace hpcflow::orchestrator
