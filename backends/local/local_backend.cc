#include "backends/local/local_backend.h"

#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "backends/job_dir.h"
#include "backends/job_processes.h"
#include "backends/job_wrapper.h"
#include "backends/local/abandoned_job.h"
#include "backends/local/launcher_link.h"
#include "backends/local/local_process.h"
#include "backends/slot_pool.h"
#include "common/crash_point.h"
#include "common/files.h"

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;

// Wrapper launches for one job that may die before the job starts (a
// missing or broken hpcflow binary) before the job counts as lost.
constexpr int kMaxWrapperLaunches = 3;

Status CheckSpec(const JobSpec& spec) {
  if (spec.job_dir.empty() || spec.job_dir[0] != '/') {
    return Fail("usage", "job '" + spec.name + "': job_dir must be an absolute path, not '" +
                             spec.job_dir + "'");
  }
  if (spec.argv.empty() && spec.shell_command.empty()) {
    return Fail("usage", "job '" + spec.name + "' has no command");
  }
  if (auto env = CheckEnvironment(spec.environment); !env) {
    return Fail("usage", "job '" + spec.name + "': " + env.error().cause);
  }
  return {};
}

std::string WrapperPid(const std::string& job_dir) {
  auto started = ReadStarted(job_dir);
  return started && started->pid > 0 ? std::to_string(started->pid) : "";
}

}  // namespace

// Everything the waiter threads touch: they hold it by shared_ptr, so it
// lives as long as the last of them, whatever happens to the backend.
struct LocalBackend::Core : std::enable_shared_from_this<LocalBackend::Core> {
  explicit Core(LocalOptions opts) : options(std::move(opts)), pool(options.cores) {}

  // Starts the queued jobs that fit, until none does, and reports those
  // that waited (all but the ones in `fresh`, queued by the Submit calling).
  void Pump(const std::set<std::string>& fresh = {});
  // Hands `lock_fd` (locked) to a new wrapper for the job in `job_dir`.
  // Returns the wrapper's pid, or "" when it could not be started (then the
  // job has ended, lost, and its slots are free).
  std::string Launch(const std::string& job_dir, int lock_fd);
  // Launch through the job launcher; nullopt when it cannot take the job
  // (then `lock_fd` is still ours and locked, or -1 when the lock was lost
  // meanwhile: then a waiter watches the job).
  std::optional<std::string> LaunchThroughLauncher(const std::string& job_dir, int& lock_fd);
  // The live launcher link, started when there is none; null when it
  // cannot be started.
  std::shared_ptr<LauncherLink> Launcher();
  // Hands a job's recorded end to options.on_end.
  void ReportEnd(const std::string& job_dir, const std::string& name);
  // One thread per running job, blocked on its lock until the job ends.
  void StartWaiter(const std::string& job_dir);
  // The waiter's post-mortem once the lock is free: the job ended, or its
  // wrapper died (its leftovers are killed and it is recorded lost), or the
  // wrapper died before the job started: then it is queued again (at most
  // kMaxWrapperLaunches launches in all).
  void AfterRunnerGone(const std::string& job_dir);
  // Queues a job whose lock `fd` the caller holds.
  void EnqueueLocked(const std::string& job_dir, const std::string& name, int fd, int slots,
                     int64_t group);

  const LocalOptions options;
  std::mutex mutex;
  SlotPool pool;
  // Locked descriptors of the jobs queued here, by job directory.
  std::map<std::string, int> queued_locks;
  // The names of the jobs queued or running here (for on_dequeued).
  std::map<std::string, std::string> names;
  // The wrapper pids of jobs launched by Pump, until Submit picks them up.
  std::map<std::string, std::string> launched_pids;
  bool closing = false;
  std::atomic<int64_t> wrappers_started{0};
  // Guards `launcher` alone (launches block on the launcher's reply, never
  // under `mutex`).
  std::mutex launcher_mutex;
  std::shared_ptr<LauncherLink> launcher;
};

void LocalBackend::Core::Pump(const std::set<std::string>& fresh) {
  while (true) {
    std::vector<std::pair<std::string, int>> startable;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (closing) return;
      for (const std::string& key : pool.TakeStartable()) {
        startable.emplace_back(key, queued_locks[key]);
        queued_locks.erase(key);
      }
    }
    if (startable.empty()) return;
    // Outside the lock: fork and exec take a while, and waiters must not wait.
    for (const auto& [job_dir, fd] : startable) {
      std::string pid = Launch(job_dir, fd);
      if (pid.empty()) continue;
      CrashPoint("local.after_launch");
      std::string name;
      {
        std::lock_guard<std::mutex> lock(mutex);
        launched_pids[job_dir] = pid;
        if (auto it = names.find(job_dir); it != names.end()) name = it->second;
      }
      if (options.on_dequeued && !name.empty() && !fresh.count(job_dir)) {
        options.on_dequeued(JobHandle{name, job_dir, pid});
      }
    }
  }
}

std::shared_ptr<LauncherLink> LocalBackend::Core::Launcher() {
  std::lock_guard<std::mutex> lock(launcher_mutex);
  if (launcher && launcher->alive()) return launcher;
  std::weak_ptr<Core> weak = weak_from_this();
  LauncherCallbacks callbacks;
  callbacks.exited = [weak](const std::string& job_dir) {
    if (auto self = weak.lock()) {
      self->AfterRunnerGone(job_dir);
      self->Pump();
    }
  };
  // Its wrappers run on without it: their locks say when they end.
  callbacks.lost = [weak](const std::vector<std::string>& job_dirs) {
    if (auto self = weak.lock()) {
      for (const std::string& job_dir : job_dirs) self->StartWaiter(job_dir);
    }
  };
  auto started = LauncherLink::Start(options.launcher_command, std::move(callbacks));
  if (!started) {
    launcher.reset();
    return nullptr;
  }
  launcher = std::move(*started);
  return launcher;
}

std::optional<std::string> LocalBackend::Core::LaunchThroughLauncher(const std::string& job_dir,
                                                                     int& lock_fd) {
  std::shared_ptr<LauncherLink> link = Launcher();
  if (!link) return std::nullopt;
  auto pid = link->Launch(job_dir, lock_fd);  // closes lock_fd
  lock_fd = -1;
  if (pid) {
    ++wrappers_started;
    return std::to_string(*pid);
  }
  // Died after it got the job: whether the wrapper runs is unknown, so the
  // `lost` callback puts a waiter on the lock, which settles it (and frees
  // the slots). The job's start goes unreported (on_dequeued): it is rare.
  if (pid.error().name == "gone") return std::string();
  // It did not start the job: lock it again and start the wrapper the
  // other way.
  int fd = OpenJobLock(job_dir);
  if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
    lock_fd = fd;
    return std::nullopt;
  }
  if (fd >= 0) close(fd);
  StartWaiter(job_dir);  // someone runs it after all: wait for that
  return std::string();
}

std::string LocalBackend::Core::Launch(const std::string& job_dir, int lock_fd) {
  if (!options.launcher_command.empty()) {
    if (auto pid = LaunchThroughLauncher(job_dir, lock_fd)) return *pid;
    if (lock_fd < 0) return "";
  }
  ProcessSpec wrapper;
  wrapper.argv = options.wrapper_command;
  wrapper.argv.push_back(job_dir);
  wrapper.environment[kLockFdVariable] = std::to_string(lock_fd);
  // The wrapper's own complaints (the job's output has files of its own).
  wrapper.stderr_path = JobFiles(job_dir).wrapper_log();
  wrapper.append_output = true;  // a relaunched wrapper keeps what the last one said
  auto pid = LocalProcess::StartDetached(wrapper, lock_fd);
  if (!pid) {
    // Nothing will ever record this job's end but us.
    JobEnd end = LostEnd(job_dir, "the job wrapper could not be started: " + pid.error().cause);
    (void)WriteFileAtomically(JobFiles(job_dir).exit(), DumpJson(JobEndToJson(end)));
    close(lock_fd);
    std::lock_guard<std::mutex> lock(mutex);
    pool.Finish(job_dir);
    return "";
  }
  ++wrappers_started;
  close(lock_fd);  // the wrapper holds the lock now
  StartWaiter(job_dir);
  return std::to_string(*pid);
}

void LocalBackend::Core::StartWaiter(const std::string& job_dir) {
  std::thread([self = shared_from_this(), job_dir] {
    WaitUntilJobUnlocked(job_dir);
    self->AfterRunnerGone(job_dir);
    self->Pump();
  }).detach();
}

void LocalBackend::Core::EnqueueLocked(const std::string& job_dir, const std::string& name, int fd,
                                       int slots, int64_t group) {
  pool.Enqueue(job_dir, slots, group);
  names[job_dir] = name;
  queued_locks[job_dir] = fd;
}

void LocalBackend::Core::ReportEnd(const std::string& job_dir, const std::string& name) {
  if (!options.on_end || name.empty()) return;
  auto end = ReadJobEnd(job_dir);
  if (end) options.on_end(JobHandle{name, job_dir, WrapperPid(job_dir)}, *end);
}

void LocalBackend::Core::AfterRunnerGone(const std::string& job_dir) {
  std::string name;
  auto finish = [&](int fd) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      pool.Finish(job_dir);
      launched_pids.erase(job_dir);
      if (auto it = names.find(job_dir); it != names.end()) {
        name = it->second;
        names.erase(it);
      }
      if (fd >= 0) close(fd);
    }
    ReportEnd(job_dir, name);
  };
  int fd = OpenJobLock(job_dir);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    // Locked again already: another runner took the job over.
    if (fd >= 0) close(fd);
    return finish(-1);
  }
  if (SettleAbandonedJob(job_dir, false) == AbandonedJob::kEnded) return finish(fd);
  // The wrapper died before the job started: nothing ran, so it may run now.
  if (WrapperRelaunches(job_dir) + 1 >= kMaxWrapperLaunches) {
    RecordEndForWrapper(
        job_dir, LostEnd(job_dir, "the job wrapper died " + std::to_string(kMaxWrapperLaunches) +
                                      " times before it started the job; see " +
                                      JobFiles(job_dir).wrapper_log()));
    return finish(fd);
  }
  RecordWrapperRelaunch(job_dir);
  std::lock_guard<std::mutex> lock(mutex);
  launched_pids.erase(job_dir);
  if (closing || !pool.Requeue(job_dir)) {
    pool.Finish(job_dir);
    names.erase(job_dir);
    close(fd);  // a later Submit finds it never started and runs it
    return;
  }
  queued_locks[job_dir] = fd;
}

LocalBackend::LocalBackend(LocalOptions options)
    : core_(std::make_shared<Core>(std::move(options))) {}

LocalBackend::~LocalBackend() {
  {
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->closing = true;
    for (const auto& [job_dir, fd] : core_->queued_locks) {
      core_->pool.RemoveQueued(job_dir);
      close(fd);
    }
    core_->queued_locks.clear();
  }
  // The launcher exits when its socket closes; its wrappers run on.
  std::lock_guard<std::mutex> lock(core_->launcher_mutex);
  core_->launcher.reset();
}

int64_t LocalBackend::wrappers_started() const { return core_->wrappers_started; }

Result<std::vector<JobHandle>> LocalBackend::Submit(const std::vector<JobSpec>& jobs,
                                                    const SubmitOptions& options) {
  std::vector<JobSpec> prepared;
  prepared.reserve(jobs.size());
  for (const JobSpec& spec : jobs) {
    if (auto s = CheckSpec(spec); !s) return Fail(s.error());
    auto ready = Prepare(spec);
    if (!ready) return Fail(ready.error());
    if (auto made = CreatePrivateDirectories(spec.job_dir); !made) {
      return Fail("io", "cannot create the job directory: " + made.error().cause);
    }
    prepared.push_back(std::move(*ready));
  }

  std::vector<JobHandle> handles;
  std::vector<std::string> queued_here;
  {
    std::lock_guard<std::mutex> lock(core_->mutex);
    int64_t group = core_->pool.NewGroup(options.max_concurrent);
    auto roll_back = [&] {
      for (const std::string& key : queued_here) {
        core_->pool.RemoveQueued(key);
        close(core_->queued_locks[key]);
        core_->queued_locks.erase(key);
      }
    };
    for (const JobSpec& spec : prepared) {
      const std::string& key = spec.job_dir;
      JobHandle handle{spec.name, key, ""};
      if (core_->pool.IsQueued(key) || core_->pool.IsRunning(key)) {
        handle.job_id = WrapperPid(key);  // submitted before, through this backend
        handles.push_back(handle);
        continue;
      }
      int fd = OpenJobLock(key);
      if (fd < 0) {
        int saved = errno;
        roll_back();
        return Fail("io", "cannot open " + JobFiles(key).lock() + ": " + std::strerror(saved));
      }
      if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);  // a wrapper runs it, started before us: adopt it, count its slots
        core_->pool.AddRunning(key, core_->pool.SlotsFor(spec), group);
        core_->names[key] = spec.name;  // its end is reported under this name
        core_->StartWaiter(key);        // its thread waits for the mutex we hold
        handle.job_id = WrapperPid(key);
        handles.push_back(handle);
        continue;
      }
      // Unlocked: it ran before (and ended, or its wrapper died: then its
      // leftovers are killed and it is recorded lost; never run twice), or it
      // never started (queued in a backend that is gone): it runs now.
      if (SettleAbandonedJob(key, false) == AbandonedJob::kEnded) {
        close(fd);
        handle.job_id = WrapperPid(key);
        handles.push_back(handle);
        continue;
      }
      if (auto s = WriteFileAtomically(JobFiles(key).spec(), DumpJson(JobSpecToJson(spec))); !s) {
        close(fd);
        roll_back();
        return Fail(s.error());
      }
      core_->EnqueueLocked(key, spec.name, fd, core_->pool.SlotsFor(spec), group);
      queued_here.push_back(key);
      handles.push_back(handle);
    }
  }
  const std::set<std::string> fresh(queued_here.begin(), queued_here.end());
  core_->Pump(fresh);
  std::vector<JobHandle> waiting;
  {
    std::lock_guard<std::mutex> lock(core_->mutex);
    for (JobHandle& handle : handles) {
      auto it = core_->launched_pids.find(handle.job_dir);
      if (handle.job_id.empty() && it != core_->launched_pids.end()) handle.job_id = it->second;
      if (fresh.count(handle.job_dir) && core_->pool.IsQueued(handle.job_dir)) {
        waiting.push_back(handle);
      }
    }
  }
  if (core_->options.on_queued) {
    for (const auto& handle : waiting) core_->options.on_queued(handle);
  }
  return handles;
}

void LocalBackend::Cancel(const std::vector<JobHandle>& jobs) {
  bool freed = false;
  for (const JobHandle& job : jobs) {
    int queued_fd = -1;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      if (core_->pool.RemoveQueued(job.job_dir)) {
        queued_fd = core_->queued_locks[job.job_dir];
        core_->queued_locks.erase(job.job_dir);
      }
    }
    if (queued_fd >= 0) {
      JobEnd end;
      end.kind = JobEnd::Kind::kCancelled;
      end.start_ms = end.end_ms = WallClockMs();
      end.detail = "the job was cancelled before it started";
      RecordEndForWrapper(job.job_dir, end);
      close(queued_fd);  // after the exit file: whoever waits on the lock finds the end
      freed = true;
      continue;
    }
    if (ReadJobEnd(job.job_dir)) continue;  // ended before: leave it alone
    // The marker comes first: a wrapper that has not written `started` yet
    // looks for it right after writing it.
    WriteCancelRequest(job.job_dir);
    int fd = OpenJobLock(job.job_dir);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
      // No wrapper runs it: it never started here, or its wrapper died and
      // left the job's processes behind. Those are found by process group
      // and start time (never a reused pid) and killed.
      (void)SettleAbandonedJob(job.job_dir, true);
      close(fd);
      continue;
    }
    if (fd >= 0) close(fd);
    auto started = ReadStarted(job.job_dir);
    if (!started) continue;  // its wrapper is starting: it finds the marker
    // The wrapper holds the lock, so its pid is its own; it forwards the
    // signal to the job (and SIGKILLs it after the grace period).
    if (started->pid > 1) kill(started->pid, SIGTERM);
    SignalJobGroup(*started, SIGTERM);
  }
  if (freed) core_->Pump();
}

std::vector<JobStatus> LocalBackend::Reconcile(const std::vector<JobHandle>& jobs) {
  std::vector<JobStatus> statuses;
  statuses.reserve(jobs.size());
  bool requeued = false;
  for (const JobHandle& job : jobs) {
    const std::string& key = job.job_dir;
    JobStatus status;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      if (core_->pool.IsQueued(key)) {
        statuses.push_back(JobStatus{JobStatus::Kind::kQueued, {}});
        continue;
      }
      if (core_->pool.IsRunning(key)) {
        // Its waiter decides what a dead wrapper means; until then, running.
        auto end = ReadJobEnd(key);
        statuses.push_back(end ? JobStatus{JobStatus::Kind::kEnded, *end}
                               : JobStatus{JobStatus::Kind::kRunning, {}});
        continue;
      }
    }
    if (auto end = ReadJobEnd(key)) {
      statuses.push_back(JobStatus{JobStatus::Kind::kEnded, *end});
      continue;
    }
    std::error_code ec;
    if (!fs::is_directory(key, ec)) {
      statuses.push_back(
          JobStatus{JobStatus::Kind::kEnded, LostEnd(key, "its job directory is gone")});
      continue;
    }
    int fd = OpenJobLock(key);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (fd >= 0) close(fd);
      statuses.push_back(JobStatus{JobStatus::Kind::kRunning, {}});
      continue;
    }
    if (SettleAbandonedJob(key, false) == AbandonedJob::kEnded) {
      close(fd);
      auto end = ReadJobEnd(key);
      statuses.push_back(end ? JobStatus{JobStatus::Kind::kEnded, *end}
                             : JobStatus{JobStatus::Kind::kEnded, LostEnd(key, "no end recorded")});
      continue;
    }
    // Never started, and not queued here: it was queued in a backend that
    // is gone. It is ours to run (its spec is in its directory).
    auto spec_json = ReadJsonFile(JobFiles(key).spec());
    if (!spec_json) {
      close(fd);
      statuses.push_back(
          JobStatus{JobStatus::Kind::kEnded, LostEnd(key, "never started, and its spec is gone")});
      continue;
    }
    JobSpec spec = JobSpecFromJson(*spec_json);
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      core_->EnqueueLocked(key, spec.name, fd, core_->pool.SlotsFor(spec), core_->pool.NewGroup(0));
    }
    requeued = true;
    statuses.push_back(JobStatus{JobStatus::Kind::kQueued, {}});
  }
  if (requeued) core_->Pump();
  return statuses;
}

bool LocalBackend::Understands(const std::string& parameter) const {
  static const std::set<std::string> kUnderstood = {"Command", "Environment", "WorkingDirectory",
                                                    "Cpus", "Time"};
  return kUnderstood.count(parameter) > 0;
}

}  // namespace hpcflow::backends
