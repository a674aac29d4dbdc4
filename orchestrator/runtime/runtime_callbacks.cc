// Task callbacks (DESIGN.md §4.4): SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat by token, and the job wrapper's report of a job's end.
//
// The token was verified before the callback reached the loop. Here it is
// matched with the task attempt it names: an open attempt takes it (once,
// committed before the answer), an ended one answers what became of it and
// changes nothing.
#include "common/ids.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/runtime/runtime_util.h"

namespace hpcflow::orchestrator {

namespace {

CallbackReply Reply(int http_status, const std::string& status, const std::string& message) {
  return {http_status, Json{{"status", status}, {"message", message}}};
}

// A callback for an attempt that already ended: a repeat of the report that
// ended it is answered as such (clients retry after lost answers); anything
// else is late.
CallbackReply EndedReply(const CallbackRequest& request, const TaskRecord& task) {
  bool repeat = (task.status == "succeeded" && (request.kind == CallbackKind::kSuccess ||
                                                request.kind == CallbackKind::kJobEnd)) ||
                (task.status == "failed" &&
                 (request.kind == CallbackKind::kFailure || request.kind == CallbackKind::kJobEnd));
  std::string what = "the task '" + task.state + "' (task " + std::to_string(task.task_id) +
                     ") of execution " + task.execution_id;
  if (repeat) {
    return Reply(200, "duplicate",
                 what + " has already ended " + task.status + "; this repeated " +
                     CallbackKindName(request.kind) + " changes nothing");
  }
  if (request.kind == CallbackKind::kJobEnd) {
    // The job's end, once its task had ended: nothing waits for it.
    return Reply(200, "duplicate",
                 what + " has already ended (" + task.status +
                     "); the end of its job was recorded before, or is not waited for");
  }
  return Reply(409, "late",
               what + " has already ended (" + task.status + "); this " +
                   CallbackKindName(request.kind) + " changes nothing");
}

}  // namespace

CallbackReply DurableRuntime::HandleCallback(const CallbackRequest& request, const TaskKey& key) {
  const auto& [execution_id, task_id] = key;
  auto unavailable = [](const Error& e) {
    // The client retries: nothing was decided.
    return Reply(503, "unavailable", "the server cannot record it now: " + e.cause);
  };
  if (request.kind == CallbackKind::kJobEnd) {
    auto outcome = OnJobEnded(key, backends::JobEndFromJson(request.job_end), true);
    if (!outcome) {
      loop_failure_ = Fail(outcome.error());
      return unavailable(outcome.error());
    }
    switch (*outcome) {
      case JobEndOutcome::kRecorded:
        return Reply(200, "accepted", "job-end recorded");
      case JobEndOutcome::kDeferred:
        return Reply(200, "accepted", "job-end recorded; the scheduler is asked how the job ended");
      case JobEndOutcome::kDuplicate:
        return Reply(200, "duplicate",
                     "the end of this job was recorded before; this repeated job-end changes "
                     "nothing");
      case JobEndOutcome::kUnknown:
        break;  // no live job: answered from the store below
    }
  }
  if (!active_.count(execution_id)) {
    auto record = store_->GetExecution(execution_id);
    if (!record) return unavailable(record.error());
    if (!*record || (*record)->id != execution_id) {
      return Reply(404, "unknown", "no execution " + execution_id + " in this state directory");
    }
    if ((*record)->owner != options_.owner &&
        ((*record)->status == "RUNNING" || (*record)->status == "PENDING")) {
      return Reply(409, "elsewhere",
                   "the execution " + execution_id + " is run by another hpcflow process (" +
                       ((*record)->owner.empty() ? "the server" : (*record)->owner) + ")");
    }
    if ((*record)->status == "RUNNING" || (*record)->status == "PENDING") {
      return Reply(503, "unavailable", "the execution " + execution_id + " is not loaded yet");
    }
    auto task = store_->GetTask(execution_id, static_cast<int64_t>(task_id));
    if (!task) return unavailable(task.error());
    if (*task && ((*task)->status == "succeeded" || (*task)->status == "failed")) {
      return EndedReply(request, **task);
    }
    return Reply(409, "late",
                 "the execution " + execution_id + " has already ended (" + (*record)->status +
                     "); this " + CallbackKindName(request.kind) + " changes nothing");
  }
  auto open = open_tasks_.find(key);
  if (open == open_tasks_.end()) {
    auto task = store_->GetTask(execution_id, static_cast<int64_t>(task_id));
    if (!task) return unavailable(task.error());
    if (!*task) {
      return Reply(404, "unknown",
                   "the execution " + execution_id + " has no task " + std::to_string(task_id));
    }
    return EndedReply(request, **task);
  }
  Status committed;
  switch (request.kind) {
    case CallbackKind::kSuccess:
      if (open->second.resource.wait == WaitMode::kSync) {
        return Reply(400, "refused",
                     "the task '" + open->second.state +
                         "' waits for its job to end (.sync): the job succeeds by exiting 0, "
                         "with its result in $HPCFLOW_RESULT");
      }
      committed = ApplyCompletion({execution_id, task_id, true, request.output, {}});
      break;
    case CallbackKind::kFailure: {
      workflows::AslError error{request.error, std::nullopt};
      if (!request.cause.empty()) error.cause = request.cause;
      committed = ApplyCompletion({execution_id, task_id, false, Json(), error});
      break;
    }
    case CallbackKind::kHeartbeat: {
      auto active = active_.find(execution_id);
      InputRecord input{0, "heartbeat", static_cast<int64_t>(task_id), "", NowMs()};
      committed = Apply(active->second, std::move(input), 0);
      break;
    }
    case CallbackKind::kJobEnd:
      break;  // handled above: an open task's job is kUnknown only if it is no job
  }
  if (!committed) {
    loop_failure_ = committed;
    return unavailable(committed.error());
  }
  return Reply(200, "accepted", std::string(CallbackKindName(request.kind)) + " recorded");
}

}  // namespace hpcflow::orchestrator
