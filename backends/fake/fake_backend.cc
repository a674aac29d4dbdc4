#include "backends/fake/fake_backend.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "backends/job_dir.h"
#include "backends/job_environment.h"
#include "backends/job_wrapper.h"
#include "common/files.h"

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;

void WriteText(const std::string& path, const std::string& text) {
  (void)WritePrivateFile(path, text);
}

// One line per start of a job, so tests can count how often each job ran
// (a real job's own output tells that; a scripted one has none).
void RecordRun(const std::string& job_dir, int64_t now) {
  auto old = ReadFile(job_dir + "/runs");
  (void)WriteFileAtomically(job_dir + "/runs",
                            (old ? *old : std::string()) + std::to_string(now) + "\n");
}

}  // namespace

FakeBackend::FakeBackend(FakeOptions options)
    : options_(std::move(options)), pool_(options_.cores), timer_([this] { RunTimer(); }) {}

FakeBackend::~FakeBackend() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  timer_.join();
}

Result<std::vector<JobHandle>> FakeBackend::Submit(const std::vector<JobSpec>& jobs,
                                                   const SubmitOptions& options) {
  std::vector<FakeScript> scripts;
  for (const JobSpec& spec : jobs) {
    if (spec.job_dir.empty() || spec.job_dir[0] != '/') {
      return Fail("usage", "job '" + spec.name + "': job_dir must be an absolute path, not '" +
                               spec.job_dir + "'");
    }
    if (auto env = CheckEnvironment(spec.environment); !env) {
      return Fail("usage", "job '" + spec.name + "': " + env.error().cause);
    }
    auto script = ParseFakeScript(FakeScriptText(spec), options_.default_duration_ms);
    if (!script) return Fail("usage", "job '" + spec.name + "': " + script.error().cause);
    if (auto made = CreatePrivateDirectories(spec.job_dir); !made) {
      return Fail("io", "cannot create the job directory: " + made.error().cause);
    }
    scripts.push_back(std::move(*script));
  }
  std::vector<JobHandle> handles;
  std::vector<JobHandle> waited, waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::set<std::string> fresh;
    int64_t group = pool_.NewGroup(options.max_concurrent);
    for (size_t i = 0; i < jobs.size(); ++i) {
      const JobSpec& spec = jobs[i];
      const std::string& key = spec.job_dir;
      if (auto it = jobs_.find(key); it != jobs_.end()) {
        handles.push_back(it->second.handle);  // submitted before: queued or running
        continue;
      }
      JobFiles files(key);
      auto started = ReadJsonFile(files.started());
      std::error_code ec;
      if (fs::exists(files.exit(), ec)) {
        handles.push_back({spec.name, key, started ? started->value("job_id", "") : ""});
        continue;  // it ran: never twice
      }
      Job job;
      job.script = scripts[i];
      job.environment = spec.environment;
      job.time_limit_ms = spec.time_limit_s * 1000;
      if (started) {
        // Started by an earlier fake and not ended: it ran on meanwhile.
        job.handle = {spec.name, key, started->value("job_id", "")};
        pool_.AddRunning(key, pool_.SlotsFor(spec), group);
        Begin(job, started->value("start_ms", WallClockMs()));
      } else {
        job.handle = {spec.name, key, "fake-" + std::to_string(next_id_++)};
        // The spec, as a real backend leaves it for the wrapper (0600).
        (void)WriteFileAtomically(JobFiles(key).spec(), DumpJson(JobSpecToJson(spec)));
        pool_.Enqueue(key, pool_.SlotsFor(spec), group);
        fresh.insert(key);
      }
      handles.push_back(job.handle);
      jobs_.emplace(key, std::move(job));
    }
    waited = StartQueued(fresh);
    for (const std::string& key : fresh) {
      if (pool_.IsQueued(key)) waiting.push_back(jobs_.at(key).handle);
    }
  }
  wake_.notify_all();
  if (options_.on_queued) {
    for (const auto& handle : waiting) options_.on_queued(handle);
  }
  if (options_.on_dequeued) {
    for (const auto& handle : waited) options_.on_dequeued(handle);
  }
  return handles;
}

std::vector<JobHandle> FakeBackend::StartQueued(const std::set<std::string>& fresh) {
  int64_t now = WallClockMs();
  std::vector<JobHandle> waited;
  for (const std::string& key : pool_.TakeStartable()) {
    Job& job = jobs_.at(key);
    if (!fresh.count(key)) waited.push_back(job.handle);
    JobFiles files(key);
    WriteText(files.stdout_path(), job.script.stdout_text);
    WriteText(files.stderr_path(), job.script.stderr_text);
    Json started = {{"pid", 0}, {"pgid", 0}, {"start_ms", now}, {"job_id", job.handle.job_id}};
    (void)WriteFileAtomically(files.started(), DumpJson(started));
    RecordRun(key, now);
    Begin(job, now);
  }
  return waited;
}

void FakeBackend::Begin(Job& job, int64_t start_ms) {
  job.running = true;
  job.start_ms = start_ms;
  job.end_at_ms = job.script.hang ? -1 : start_ms + job.script.duration_ms;
  if (job.time_limit_ms > 0 && (job.end_at_ms < 0 || job.script.duration_ms > job.time_limit_ms)) {
    job.end_at_ms = start_ms + job.time_limit_ms;
    job.timed_out = true;
  }
  if (job.end_at_ms >= 0) ends_.emplace(job.end_at_ms, job.handle.job_dir);
}

JobEnd FakeBackend::Finish(Job& job, int64_t now_ms) {
  JobEnd end;
  end.start_ms = job.running ? job.start_ms : now_ms;
  end.end_ms = now_ms;
  if (job.cancelled) {
    end.kind = JobEnd::Kind::kCancelled;
    end.detail = job.running ? "the job was cancelled" : "the job was cancelled before it started";
  } else if (job.timed_out) {
    end.kind = JobEnd::Kind::kTimedOut;
    end.detail =
        "the job ran past its time limit of " + std::to_string(job.time_limit_ms / 1000) + " s";
  } else {
    end.kind = job.script.end;
    end.exit_code = job.script.exit_code;
    end.signal = job.script.signal;
    if (end.kind == JobEnd::Kind::kLost) end.detail = "scripted: lost";
    if (job.script.result) {
      auto it = job.environment.find(kResultVariable);
      WriteText(it != job.environment.end() ? it->second : JobFiles(job.handle.job_dir).result(),
                *job.script.result);
    }
  }
  // A lost job records nothing, like a wrapper killed with the job.
  if (job.script.end != JobEnd::Kind::kLost || job.cancelled || job.timed_out) {
    (void)WriteFileAtomically(JobFiles(job.handle.job_dir).exit(), DumpJson(JobEndToJson(end)));
  }
  return end;
}

void FakeBackend::Cancel(const std::vector<JobHandle>& jobs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    int64_t now = WallClockMs();
    for (const JobHandle& handle : jobs) {
      auto it = jobs_.find(handle.job_dir);
      if (it == jobs_.end()) {
        // Not ours: submitted to a fake that is gone. Scripted jobs run only
        // in their fake's memory, so it is not running: record the cancel.
        if (!handle.job_dir.empty() && !ReadJobEnd(handle.job_dir)) {
          JobEnd end;
          end.kind = JobEnd::Kind::kCancelled;
          end.start_ms = end.end_ms = now;
          end.detail = "the job was cancelled";
          (void)WriteFileAtomically(JobFiles(handle.job_dir).exit(), DumpJson(JobEndToJson(end)));
        }
        continue;
      }
      if (it->second.cancelled) continue;  // twice
      Job& job = it->second;
      if (pool_.RemoveQueued(handle.job_dir)) job.running = false;
      job.cancelled = true;
      job.end_at_ms = now;  // the timer thread ends it and reports
      ends_.emplace(now, handle.job_dir);
    }
  }
  wake_.notify_all();
}

std::vector<JobStatus> FakeBackend::Reconcile(const std::vector<JobHandle>& jobs) {
  std::vector<JobStatus> statuses;
  for (const JobHandle& handle : jobs) {
    JobStatus status;
    {
      // Memory first: the timer writes a job's exit before it forgets the
      // job, so a job it forgot has its exit on disk (or never had one).
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = jobs_.find(handle.job_dir);
      if (it != jobs_.end()) {
        status.kind = it->second.running || it->second.cancelled ? JobStatus::Kind::kRunning
                                                                 : JobStatus::Kind::kQueued;
        statuses.push_back(status);
        continue;
      }
    }
    status.kind = JobStatus::Kind::kEnded;
    std::error_code ec;
    if (auto end = ReadJobEnd(handle.job_dir)) {
      status.end = *end;
    } else if (fs::exists(JobFiles(handle.job_dir).started(), ec)) {
      status.end = LostEnd(handle.job_dir, "the wrapper died without recording the end");
    } else {
      status.end = LostEnd(handle.job_dir, "never started");
    }
    statuses.push_back(status);
  }
  return statuses;
}

bool FakeBackend::Understands(const std::string& parameter) const {
  static const std::set<std::string> kUnderstood = {"Command", "Environment", "WorkingDirectory",
                                                    "Cpus",    "Tasks",       "Time"};
  return kUnderstood.count(parameter) > 0;
}

void FakeBackend::RunTimer() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    int64_t now = WallClockMs();
    std::vector<std::pair<JobHandle, JobEnd>> ended;
    while (!ends_.empty() && ends_.begin()->first <= now) {
      auto [end_at, key] = *ends_.begin();
      ends_.erase(ends_.begin());
      auto it = jobs_.find(key);
      if (it == jobs_.end()) continue;
      Job& job = it->second;
      if (job.end_at_ms != end_at || !(job.running || job.cancelled)) continue;  // stale
      ended.emplace_back(job.handle, Finish(job, now));
      pool_.Finish(it->first);
      jobs_.erase(it);
    }
    int64_t next = ends_.empty() ? -1 : ends_.begin()->first;
    if (!ended.empty()) {
      std::vector<JobHandle> waited = StartQueued();
      lock.unlock();
      for (const auto& [handle, end] : ended) {
        if (options_.on_end) options_.on_end(handle, end);
      }
      if (options_.on_dequeued) {
        for (const auto& handle : waited) options_.on_dequeued(handle);
      }
      lock.lock();
      continue;  // new jobs may have started: look again
    }
    if (next < 0) {
      wake_.wait(lock);
    } else {
      wake_.wait_for(lock, std::chrono::milliseconds(next - now));
    }
  }
}

}  // namespace hpcflow::backends
