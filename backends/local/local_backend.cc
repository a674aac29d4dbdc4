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
#include <set>
#include <utility>

#include "backends/job_dir.h"
#include "backends/job_wrapper.h"
#include "backends/local/local_process.h"
#include "backends/slot_pool.h"

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;

Status CheckSpec(const JobSpec& spec) {
  if (spec.job_dir.empty() || spec.job_dir[0] != '/') {
    return Fail("usage", "job '" + spec.name + "': job_dir must be an absolute path, not '" +
                             spec.job_dir + "'");
  }
  if (spec.argv.empty() && spec.shell_command.empty()) {
    return Fail("usage", "job '" + spec.name + "' has no command");
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

  // Starts the queued jobs that fit, until none does.
  void Pump();
  // Hands `lock_fd` (locked) to a new wrapper for the job in `job_dir`.
  // Returns the wrapper's pid, or "" when it could not be started (then the
  // job has ended, lost, and its slots are free).
  std::string Launch(const std::string& job_dir, int lock_fd);
  // One thread per running job, blocked on its lock until the job ends.
  void StartWaiter(const std::string& job_dir);

  const LocalOptions options;
  std::mutex mutex;
  SlotPool pool;
  // Locked descriptors of the jobs queued here, by job directory.
  std::map<std::string, int> queued_locks;
  // The wrapper pids of jobs launched by Pump, until Submit picks them up.
  std::map<std::string, std::string> launched_pids;
  bool closing = false;
  std::atomic<int64_t> wrappers_started{0};
};

void LocalBackend::Core::Pump() {
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
      std::lock_guard<std::mutex> lock(mutex);
      launched_pids[job_dir] = pid;
    }
  }
}

std::string LocalBackend::Core::Launch(const std::string& job_dir, int lock_fd) {
  ProcessSpec wrapper;
  wrapper.argv = options.wrapper_command;
  wrapper.argv.push_back(job_dir);
  wrapper.environment[kLockFdVariable] = std::to_string(lock_fd);
  // The wrapper's own complaints (the job's output has files of its own).
  wrapper.stderr_path = job_dir + "/wrapper.log";
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
    {
      std::lock_guard<std::mutex> lock(self->mutex);
      self->pool.Finish(job_dir);
      self->launched_pids.erase(job_dir);
    }
    self->Pump();
  }).detach();
}

LocalBackend::LocalBackend(LocalOptions options)
    : core_(std::make_shared<Core>(std::move(options))) {}

LocalBackend::~LocalBackend() {
  std::lock_guard<std::mutex> lock(core_->mutex);
  core_->closing = true;
  for (const auto& [job_dir, fd] : core_->queued_locks) {
    core_->pool.RemoveQueued(job_dir);
    close(fd);
  }
  core_->queued_locks.clear();
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
    std::error_code ec;
    fs::create_directories(spec.job_dir, ec);
    if (ec) {
      return Fail("io", "cannot create the job directory '" + spec.job_dir + "': " + ec.message());
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
        core_->StartWaiter(key);  // its thread waits for the mutex we hold
        handle.job_id = WrapperPid(key);
        handles.push_back(handle);
        continue;
      }
      std::error_code ec;
      JobFiles files(key);
      if (fs::exists(files.exit(), ec) || fs::exists(files.started(), ec)) {
        close(fd);  // it ran before (and ended, reported or not): never twice
        handle.job_id = WrapperPid(key);
        handles.push_back(handle);
        continue;
      }
      if (auto s = WriteFileAtomically(files.spec(), DumpJson(JobSpecToJson(spec))); !s) {
        close(fd);
        roll_back();
        return Fail(s.error());
      }
      core_->pool.Enqueue(key, core_->pool.SlotsFor(spec), group);
      core_->queued_locks[key] = fd;
      queued_here.push_back(key);
      handles.push_back(handle);
    }
  }
  core_->Pump();
  std::lock_guard<std::mutex> lock(core_->mutex);
  for (JobHandle& handle : handles) {
    auto it = core_->launched_pids.find(handle.job_dir);
    if (handle.job_id.empty() && it != core_->launched_pids.end()) handle.job_id = it->second;
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
    JobFiles files(job.job_dir);
    if (queued_fd >= 0) {
      JobEnd end;
      end.kind = JobEnd::Kind::kCancelled;
      end.start_ms = end.end_ms = WallClockMs();
      end.detail = "the job was cancelled before it started";
      (void)WriteFileAtomically(files.exit(), DumpJson(JobEndToJson(end)));
      close(queued_fd);  // after the exit file: whoever waits on the lock finds the end
      freed = true;
      continue;
    }
    if (ReadJobEnd(job.job_dir)) continue;  // ended before: leave it alone
    // The marker comes first: a wrapper that has not written `started` yet
    // looks for it right after writing it.
    (void)WriteFileAtomically(files.dir + "/cancel", std::to_string(WallClockMs()));
    auto started = ReadStarted(job.job_dir);
    if (!started || !JobLockHeld(job.job_dir)) continue;  // not started yet, or gone
    // The wrapper holds the lock, so these pids are still its and its job's.
    if (started->pgid > 1) kill(-started->pgid, SIGTERM);
    if (started->pid > 1) kill(started->pid, SIGTERM);
  }
  if (freed) core_->Pump();
}

std::vector<JobStatus> LocalBackend::Reconcile(const std::vector<JobHandle>& jobs) {
  std::vector<JobStatus> statuses;
  statuses.reserve(jobs.size());
  for (const JobHandle& job : jobs) {
    bool queued;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      queued = core_->pool.IsQueued(job.job_dir);
    }
    if (queued) {
      statuses.push_back(JobStatus{JobStatus::Kind::kQueued, {}});
    } else {
      statuses.push_back(JobStatusFromDir(job.job_dir));
    }
  }
  return statuses;
}

bool LocalBackend::Understands(const std::string& parameter) const {
  static const std::set<std::string> kUnderstood = {"Command", "Environment", "WorkingDirectory",
                                                    "Cpus", "Time"};
  return kUnderstood.count(parameter) > 0;
}

}  // namespace hpcflow::backends
