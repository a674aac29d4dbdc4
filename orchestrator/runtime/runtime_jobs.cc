// The durable runtime's jobs: submitting the Task states that run jobs,
// cancelling them, taking their ends, and reconciling with the backends.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "backends/job_environment.h"
#include "common/crash_point.h"
#include "common/files.h"
#include "common/ids.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/runtime/job_params.h"
#include "orchestrator/runtime/replay.h"
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/runtime/task_token.h"

namespace hpcflow::orchestrator {

namespace fs = std::filesystem;
using workflows::AslError;

namespace {

// The jobs of one decision that go to one backend: submitted together, so
// that a Map's items become one array where the backend has arrays.
struct SubmitGroup {
  backends::Backend* backend = nullptr;
  std::vector<backends::JobSpec> specs;
  std::vector<uint64_t> task_ids;
  int max_concurrent = 0;
};

}  // namespace

void DurableRuntime::CountCommands(const std::string& execution_id, backends::Backend& backend,
                                   const std::map<std::string, int64_t>& before) {
  auto after = backend.CommandCounts();
  if (after == before) return;
  auto active = active_.find(execution_id);
  if (active == active_.end()) return;
  auto counts = ParseJson(active->second.record.commands);
  Json merged = counts && counts->is_object() ? *counts : Json::object();
  Json& mine = merged[backend.Name()];
  if (!mine.is_object()) mine = Json::object();
  for (const auto& [command, n] : after) {
    auto old = before.find(command);
    int64_t delta = n - (old == before.end() ? 0 : old->second);
    if (delta != 0) mine[command] = mine.value(command, int64_t{0}) + delta;
  }
  active->second.record.commands = DumpJson(merged);
  (void)store_->SetCommandCounts(execution_id, active->second.record.commands);
}

std::string DurableRuntime::JobDir(const std::string& execution_id,
                                   const workflows::TaskRequest& task) const {
  // Unique per execution (hashed: ids of deep child chains share their
  // first 80 characters) and per task, and so per attempt; and per redrive,
  // which runs a task of the same id again.
  return options_.state_dir + "/executions/" + UniqueSafeName(execution_id) + "/tasks/" +
         std::to_string(task.task_id) + "-" +
         SafeName(task.state_name.empty() ? std::string("task") : task.state_name).substr(0, 40) +
         RedriveSuffix(execution_id);
}

std::string DurableRuntime::JobName(const std::string& execution_id, uint64_t task_id) const {
  return UniqueSafeName(execution_id) + "-" + std::to_string(task_id) + RedriveSuffix(execution_id);
}

std::string DurableRuntime::RedriveSuffix(const std::string& execution_id) const {
  auto it = active_.find(execution_id);
  if (it == active_.end() || it->second.record.redrive_count == 0) return "";
  return "-r" + std::to_string(it->second.record.redrive_count);
}

std::string DurableRuntime::TaskToken(const std::string& execution_id,
                                      const workflows::TaskRequest& r) const {
  return SignTaskToken(options_.token_secret, TaskTokenClaims(execution_id, r));
}

namespace {
// How long batch-scheduler jobs wait for company: until none came for
// kBatchQuietMs, at most kBatchMaxMs after the first.
constexpr int64_t kBatchQuietMs = 250;
constexpr int64_t kBatchMaxMs = 2000;
}  // namespace

void DurableRuntime::QueueTasks(const std::string& execution_id, std::vector<TaskOrder> orders) {
  auto active = active_.find(execution_id);
  if (active == active_.end()) return;
  std::vector<TaskOrder> now;
  for (auto& order : orders) {
    const auto& resource = order.resource;
    if (resource && resource->IsJob() &&
        backends_->CapabilitiesOf(BackendFor(*resource, active->second.record.backend)).arrays) {
      int64_t t = NowMs();
      if (batched_.empty()) batch_first_ms_ = t;
      batch_last_ms_ = t;
      batched_.emplace_back(execution_id, std::move(order));
    } else {
      now.push_back(std::move(order));
    }
  }
  if (!now.empty()) SubmitTasks(execution_id, std::move(now));
}

int64_t DurableRuntime::BatchDeadlineMs() const {
  return std::min(batch_last_ms_ + kBatchQuietMs, batch_first_ms_ + kBatchMaxMs);
}

void DurableRuntime::FlushBatched(bool force) {
  if (batched_.empty() || (!force && NowMs() < BatchDeadlineMs())) return;
  std::vector<std::pair<std::string, TaskOrder>> batch;
  batch.swap(batched_);
  std::map<std::string, std::vector<TaskOrder>> by_execution;
  for (auto& [execution_id, order] : batch) {
    by_execution[execution_id].push_back(std::move(order));
  }
  for (auto& [execution_id, orders] : by_execution) SubmitTasks(execution_id, std::move(orders));
}

Result<backends::JobSpec> DurableRuntime::BuildJobSpec(const ExecutionRecord& record,
                                                       const TaskOrder& order,
                                                       backends::Backend& backend) {
  const std::string& execution_id = record.id;
  const workflows::TaskRequest& task = order.task;
  std::vector<std::string> ignored;
  auto spec = JobSpecFromParameters(task.parameters, backend, ignored);
  if (!spec) return spec;
  for (const auto& parameter : ignored) {
    // Once per backend and parameter: one workflow runs everywhere, and
    // what a backend cannot map is worth one line, not one per job.
    if (warned_.insert(backend.Name() + "/" + parameter).second) {
      std::cerr << "hpcflow: the " << backend.Name() << " backend ignores the job parameter '"
                << parameter << "' (state '" << task.state_name << "')\n";
    }
  }
  if (spec->working_directory.empty()) spec->working_directory = record.workdir;
  // A job submitted before keeps the directory it was given then: backends
  // adopt it by that directory.
  std::string job_dir = order.job_dir.empty() ? JobDir(execution_id, task) : order.job_dir;
  backends::JobFiles files(job_dir);
  spec->job_dir = job_dir;
  spec->name = JobName(execution_id, task.task_id);
  if (auto made = CreatePrivateDirectories(job_dir); !made) {
    return Fail("States.TaskFailed", "cannot create the job directory: " + made.error().cause);
  }
  std::error_code ec;
  if (!fs::exists(files.input(), ec)) {
    (void)WriteFileAtomically(files.input(), DumpJson(task.parameters));
  }
  // The job environment (docs/jobs.md). HPCFLOW_JOB_DIR is added by the
  // job wrapper, which marks every process of the job with it.
  backends::JobEnvironment job;
  job.execution_id = execution_id;
  job.state_name = task.state_name;
  job.input_path = files.input();
  job.result_path = files.result();
  job.state_dir = options_.state_dir;
  std::string token = TaskToken(execution_id, task);
  job.task_token = token;
  if (options_.callback_url.empty() && options_.open_callback_endpoint) {
    auto url = options_.open_callback_endpoint();
    options_.open_callback_endpoint = nullptr;  // once: a failure stops the loop
    if (!url) {
      loop_failure_ =
          Fail("callbacks", "cannot open the jobs' callback endpoint: " + url.error().cause);
      return Fail("hpcflow.CallbackEndpoint", url.error().cause);
    }
    options_.callback_url = std::move(*url);
  }
  job.callback_url = options_.callback_url;
  job.callback_retry_seconds = options_.callback_retry_seconds;
  // Lets a workflow find the scripts that sit beside it, wherever it runs.
  auto dir = fs::absolute(fs::path(record.workflow), ec).parent_path();
  if (!ec) job.workflow_dir = dir.string();
  job.item_index = task.map_item_index;
  backends::AddJobEnvironment(job, spec->environment);
  spec->umask = UserUmask();
  spec->report_key = JobReportKey(options_.token_secret, token);
  return spec;
}

void DurableRuntime::SubmitTasks(const std::string& execution_id, std::vector<TaskOrder> orders) {
  auto active = active_.find(execution_id);
  if (active == active_.end()) return;
  std::map<std::pair<std::string, uint64_t>, SubmitGroup> groups;  // (backend, throttle group)
  for (const TaskOrder& order : orders) {
    const workflows::TaskRequest& task = order.task;
    uint64_t task_id = task.task_id;
    TaskKey key{execution_id, task_id};
    auto fail = [&](const std::string& name, const std::string& cause) {
      PostCompletion({execution_id, task_id, false, Json(), AslError{name, cause}});
    };
    const auto& resource = order.resource;
    OpenTask& open = open_tasks_[key];
    open.state = task.state_name;
    // The interpreter sets no timer for AWS's default timeout.
    open.timed =
        task.heartbeat_seconds.has_value() ||
        (task.timeout_seconds && *task.timeout_seconds < workflows::kDefaultTaskTimeoutSeconds);
    if (!resource) {
      fail(resource.error().name, resource.error().cause);
      continue;
    }
    open.resource = *resource;
    if (resource->IsChild()) {
      StartChild(execution_id, task, *resource);
      continue;
    }
    if (resource->IsFunction()) {
      CallFunction(execution_id, task, *resource);
      continue;
    }
    std::string backend_name = BackendFor(*resource, active->second.record.backend);
    auto backend = backends_->Get(backend_name);
    if (!backend) {
      fail("hpcflow.BackendUnavailable", backend.error().cause);
      continue;
    }
    auto spec = BuildJobSpec(active->second.record, order, **backend);
    if (!spec) {
      fail(spec.error().name, spec.error().cause);
      continue;
    }
    open.is_job = true;
    open.backend = *backend;
    SubmitGroup& group = groups[{backend_name, task.throttle_group}];
    group.backend = *backend;
    group.max_concurrent = static_cast<int>(task.throttle_limit);
    group.specs.push_back(std::move(*spec));
    group.task_ids.push_back(task_id);
  }
  for (auto& [key, group] : groups) {
    const std::string& name = key.first;
    auto counts_before = group.backend->CommandCounts();
    backends::SubmitOptions submit_options;
    submit_options.max_concurrent = group.max_concurrent;
    auto handles = group.backend->Submit(group.specs, submit_options);
    CountCommands(execution_id, *group.backend, counts_before);
    if (!handles || handles->size() != group.specs.size()) {
      std::string cause = handles ? "the backend answered for " + std::to_string(handles->size()) +
                                        " of " + std::to_string(group.specs.size()) + " jobs"
                                  : handles.error().cause;
      for (uint64_t task_id : group.task_ids) {
        PostCompletion({execution_id, task_id, false, Json(),
                        AslError{"States.TaskFailed",
                                 "The " + name + " backend could not submit the job: " + cause}});
      }
      continue;
    }
    CrashPoint("runtime.after_submit");
    std::vector<std::pair<int64_t, std::string>> running;
    for (size_t i = 0; i < handles->size(); ++i) {
      const backends::JobHandle& handle = (*handles)[i];
      TaskKey key{execution_id, group.task_ids[i]};
      OpenTask& open = open_tasks_[key];
      open.handle = handle;
      job_names_[handle.name] = key;
      running.emplace_back(static_cast<int64_t>(group.task_ids[i]),
                           DumpJson(backends::JobHandleToJson(handle)));
    }
    if (auto s = store_->RecordJobs(execution_id, running); !s) {
      std::cerr << "hpcflow: cannot record submitted jobs: " << s.error().cause << "\n";
    }
    for (size_t i = 0; i < handles->size(); ++i) {
      TaskKey key{execution_id, group.task_ids[i]};
      const OpenTask& open = open_tasks_[key];
      if (open.resource.wait != WaitMode::kRequestResponse) continue;
      // Returns once the job is accepted; the job runs on by itself.
      PostCompletion(
          {execution_id, group.task_ids[i], true, AcceptedJobResult(name, (*handles)[i]), {}});
    }
  }
}

Status DurableRuntime::AdoptLiveJobs() {
  auto live = store_->LiveJobs(options_.owner);
  if (!live) return Fail(live.error());
  std::map<std::string, std::optional<ExecutionRecord>> records;
  // One Submit per backend: local adopts or queues again, Slurm looks its
  // jobs up by their markers, fake picks up where it was.
  std::map<backends::Backend*, std::vector<std::pair<TaskKey, backends::JobSpec>>> adopt;
  std::map<TaskKey, bool> cancelled;
  for (const auto& job : *live) {
    const TaskRecord& t = job.task;
    TaskKey key{t.execution_id, static_cast<uint64_t>(t.task_id)};
    if (open_tasks_.count(key) || detached_jobs_.count(key)) continue;
    auto resource = ParseTaskResource(t.resource);
    auto request = ParseJson(t.request);
    auto handle_json = ParseJson(t.job_id);
    if (!resource || !resource->IsJob() || !request || !handle_json) {
      (void)store_->CloseJob(t.execution_id, t.task_id);
      continue;
    }
    auto backend = backends_->Get(BackendFor(*resource, job.backend));
    if (!backend) {
      std::cerr << "hpcflow: cannot watch a job of execution " << t.execution_id << ": "
                << backend.error().cause << "\n";
      continue;
    }
    auto& record = records[t.execution_id];
    if (!record) {
      if (auto it = active_.find(t.execution_id); it != active_.end()) {
        record = it->second.record;
      } else if (auto found = store_->GetExecution(t.execution_id); found && *found) {
        record = **found;
      } else {
        continue;
      }
    }
    backends::JobHandle handle = backends::JobHandleFromJson(*handle_json);
    bool stop = t.status == "cancelled" || t.status == "cancelling";
    if (stop) {
      // Asked to stop before: again, first, so that a job that never started
      // is recorded cancelled instead of being started now.
      CancelJobs(t.execution_id, **backend, {handle});
    }
    TaskOrder order{TaskRequestFromJson(*request), resource, handle.job_dir};
    auto spec = BuildJobSpec(*record, order, **backend);
    if (!spec) {
      (void)store_->CloseJob(t.execution_id, t.task_id);
      continue;
    }
    cancelled[key] = stop || resource->wait == WaitMode::kSync;
    adopt[*backend].emplace_back(key, std::move(*spec));
  }
  for (auto& [backend, jobs] : adopt) {
    std::vector<backends::JobSpec> specs;
    for (const auto& [key, spec] : jobs) specs.push_back(spec);
    auto handles = backend->Submit(specs, {});
    if (!handles || handles->size() != specs.size()) {
      std::cerr << "hpcflow: cannot adopt " << specs.size() << " running " << backend->Name()
                << " jobs: " << (handles ? "a short answer" : handles.error().cause) << "\n";
      continue;
    }
    for (size_t i = 0; i < jobs.size(); ++i) {
      const TaskKey& key = jobs[i].first;
      DetachedJob& detached = detached_jobs_[key];
      detached.backend = backend;
      detached.handle = (*handles)[i];
      detached.cancelled = cancelled[key];
      job_names_[detached.handle.name] = key;
    }
  }
  if (!adopt.empty()) {
    next_reconcile_ms_ = std::min<int64_t>(next_reconcile_ms_ ? next_reconcile_ms_ : INT64_MAX,
                                           NowMs() + options_.reconcile_busy_ms);
  }
  return {};
}

void DurableRuntime::Detach(const TaskKey& key, const OpenTask& task, bool cancelled) {
  DetachedJob& job = detached_jobs_[key];
  job.backend = task.backend;
  job.handle = task.handle;
  job.cancelled = job.cancelled || cancelled;
  job.ended_seen_ms = task.ended_seen_ms;
  job_names_[task.handle.name] = key;
}

void DurableRuntime::CancelJobs(const std::string& execution_id, backends::Backend& backend,
                                const std::vector<backends::JobHandle>& handles) {
  auto counts_before = backend.CommandCounts();
  backend.Cancel(handles);
  CountCommands(execution_id, backend, counts_before);
}

void DurableRuntime::CancelTasks(const std::string& execution_id,
                                 const std::vector<uint64_t>& task_ids) {
  // One Cancel per backend: a failed Map's items become one scancel.
  std::map<backends::Backend*, std::vector<backends::JobHandle>> jobs;
  if (!batched_.empty()) {
    // Not submitted yet: they never will be.
    std::set<uint64_t> cancelled(task_ids.begin(), task_ids.end());
    std::erase_if(batched_, [&](const auto& entry) {
      return entry.first == execution_id && cancelled.count(entry.second.task.task_id) > 0;
    });
  }
  for (uint64_t task_id : task_ids) {
    TaskKey key{execution_id, task_id};
    auto it = open_tasks_.find(key);
    if (it != open_tasks_.end()) {
      if (it->second.resource.IsChild()) {
        StopChild(ChildExecutionId(execution_id, task_id));
        job_names_.erase(it->second.handle.name);
      } else if (it->second.resource.IsFunction()) {
        if (options_.functions) options_.functions->Cancel(execution_id, task_id);
      } else if (it->second.is_job && it->second.backend && !it->second.job_ended &&
                 !it->second.handle.name.empty()) {
        jobs[it->second.backend].push_back(it->second.handle);
        Detach(key, it->second, true);  // watched until it has ended
      } else {
        job_names_.erase(it->second.handle.name);
      }
      open_tasks_.erase(it);
    }
    (void)store_->SetTaskStatus(execution_id, static_cast<int64_t>(task_id), "cancelled", "");
  }
  for (auto& [backend, handles] : jobs) CancelJobs(execution_id, *backend, handles);
}

Result<DurableRuntime::JobEndOutcome> DurableRuntime::OnJobEnded(TaskKey key,
                                                                 const backends::JobEnd& end,
                                                                 bool reported) {
  if (auto detached = detached_jobs_.find(key); detached != detached_jobs_.end()) {
    // Its task ended before; the job's end only closes it.
    job_names_.erase(detached->second.handle.name);
    detached_jobs_.erase(detached);
    if (auto s = store_->CloseJob(key.first, static_cast<int64_t>(key.second)); !s) {
      return Fail(s.error());
    }
    return JobEndOutcome::kRecorded;
  }
  auto it = open_tasks_.find(key);
  if (it == open_tasks_.end() || !it->second.is_job) return JobEndOutcome::kUnknown;
  OpenTask& task = it->second;
  if (task.job_ended) return JobEndOutcome::kDuplicate;
  if (reported &&
      (end.kind == backends::JobEnd::Kind::kSignaled ||
       end.kind == backends::JobEnd::Kind::kCancelled) &&
      task.backend->Capabilities().scheduler_ends_jobs) {
    // A batch job killed by a signal was most likely stopped by the
    // scheduler (time limit, scancel, memory): the wrapper cannot tell which,
    // the scheduler can. Ask it now instead of guessing.
    task.ended_seen_ms = NowMs() - options_.report_grace_ms;
    next_reconcile_ms_ = std::min(next_reconcile_ms_, NowMs() + 200);
    return JobEndOutcome::kDeferred;
  }
  task.job_ended = true;
  if (task.resource.wait == WaitMode::kRequestResponse) {
    if (auto s = store_->CloseJob(key.first, static_cast<int64_t>(key.second)); !s) {
      return Fail(s.error());
    }
    return JobEndOutcome::kRecorded;
  }
  backends::JobFiles files(task.handle.job_dir);
  auto result = TaskResultFromJobEnd(end, task.backend->Name(), JobIdOf(task.handle), files);
  if (task.resource.wait == WaitMode::kTaskToken && result) {
    // The job ended well; the task still waits for its token.
    if (auto s = store_->CloseJob(key.first, static_cast<int64_t>(key.second)); !s) {
      return Fail(s.error());
    }
    return JobEndOutcome::kRecorded;
  }
  Completion completion{key.first, key.second, static_cast<bool>(result), Json(), {}, true};
  if (result) {
    completion.output = std::move(*result);
  } else {
    completion.error = AslError{result.error().name, result.error().cause};
  }
  if (auto s = ApplyCompletion(std::move(completion)); !s) return Fail(s.error());
  return JobEndOutcome::kRecorded;
}

void DurableRuntime::Reconcile() {
  // Jobs whose end is not known yet: those of open tasks, and those that
  // run on after their task ended.
  struct Live {
    TaskKey key;
    backends::JobHandle handle;
    int64_t* ended_seen_ms;
  };
  std::map<backends::Backend*, std::vector<Live>> live;
  for (auto& [key, task] : open_tasks_) {
    if (task.is_job && task.backend && !task.job_ended && !task.handle.name.empty()) {
      live[task.backend].push_back({key, task.handle, &task.ended_seen_ms});
    }
  }
  for (auto& [key, job] : detached_jobs_) {
    if (job.backend) live[job.backend].push_back({key, job.handle, &job.ended_seen_ms});
  }
  int64_t now = NowMs();
  // Taken after every backend was asked: taking an end changes the maps the
  // pointers point into (it ends tasks, which can cancel others, also on
  // the backends still to be asked).
  std::vector<std::pair<TaskKey, backends::JobEnd>> ended;
  for (auto& [backend, jobs] : live) {
    std::vector<backends::JobHandle> handles;
    for (const auto& job : jobs) handles.push_back(job.handle);
    std::vector<backends::JobStatus> statuses = backend->Reconcile(handles);
    for (size_t i = 0; i < jobs.size() && i < statuses.size(); ++i) {
      int64_t& seen = *jobs[i].ended_seen_ms;
      if (statuses[i].kind != backends::JobStatus::Kind::kEnded) {
        seen = 0;
        continue;
      }
      // The wrapper reports the end itself; take it from the backend only
      // when that report is overdue (the wrapper was killed, the node died).
      if (seen == 0) {
        seen = now;
      } else if (now - seen >= options_.report_grace_ms) {
        ended.emplace_back(jobs[i].key, statuses[i].end);
      }
    }
  }
  for (const auto& [key, end] : ended) {
    if (auto s = OnJobEnded(key, end, false); !s) loop_failure_ = Fail(s.error());
  }
}

int64_t DurableRuntime::NextReconcileMs() const {
  bool overdue = std::any_of(open_tasks_.begin(), open_tasks_.end(),
                             [](const auto& t) { return t.second.ended_seen_ms != 0; }) ||
                 std::any_of(detached_jobs_.begin(), detached_jobs_.end(), [](const auto& j) {
                   return j.second.ended_seen_ms != 0 || j.second.cancelled;
                 });
  return NowMs() + (overdue ? options_.reconcile_busy_ms : options_.reconcile_quiet_ms);
}

}  // namespace hpcflow::orchestrator
