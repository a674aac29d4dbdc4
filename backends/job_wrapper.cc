#include "backends/job_wrapper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "backends/job_dir.h"
#include "backends/job_processes.h"
#include "backends/job_watchdog.h"
#include "backends/local/local_process.h"
#include "backends/process_tree.h"
#include "common/crash_point.h"

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;

std::atomic<JobWatchdog*> g_watchdog = nullptr;

void OnStopSignal(int sig) {
  if (JobWatchdog* watchdog = g_watchdog.load()) watchdog->RequestStop(sig);
}

bool IsLockOf(int fd, const std::string& lock_path) {
  struct stat fd_stat {};
  struct stat path_stat {};
  return fstat(fd, &fd_stat) == 0 && stat(lock_path.c_str(), &path_stat) == 0 &&
         fd_stat.st_dev == path_stat.st_dev && fd_stat.st_ino == path_stat.st_ino;
}

// The descriptor of DIR/lock, locked by us; -1 when another process holds
// it. The local backend hands its locked descriptor down (no moment where a
// started job is unlocked); a Slurm batch script's wrapper locks by itself.
int AcquireLock(const JobFiles& files) {
  int fd = -1;
  if (const char* inherited = std::getenv(kLockFdVariable)) {
    fd = std::atoi(inherited);
    unsetenv(kLockFdVariable);  // the job must not see it
    // flock on the inherited description succeeds: it is ours already.
    if (fd < 0 || !IsLockOf(fd, files.lock()) || flock(fd, LOCK_EX | LOCK_NB) != 0) fd = -1;
  }
  if (fd < 0) {
    fd = OpenJobLock(files.dir);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      return -1;
    }
  }
  // Held by the wrapper alone: a process the job leaves behind must not keep
  // the job "running".
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

JobEnd EndOf(const ProcessOutcome& outcome, const JobWatchdog& watchdog, const JobSpec& spec,
             const JobFiles& files) {
  JobEnd end;
  end.exit_code = outcome.exit_code;
  end.signal = outcome.signal;
  if (watchdog.timed_out()) {
    end.kind = JobEnd::Kind::kTimedOut;
    end.detail = "the job ran past its time limit of " + std::to_string(spec.time_limit_s) + " s";
  } else if (CancelRequested(files.dir)) {
    end.kind = JobEnd::Kind::kCancelled;
    end.detail = "the job was cancelled";
  } else if (watchdog.stop_signal() != 0) {
    end.kind = JobEnd::Kind::kCancelled;
    end.detail = "the job wrapper was stopped by signal " + std::to_string(watchdog.stop_signal());
  } else if (outcome.signal != 0) {
    end.kind = JobEnd::Kind::kSignaled;
    end.detail = "the job was killed by signal " + std::to_string(outcome.signal);
  } else {
    end.kind = JobEnd::Kind::kExited;
  }
  return end;
}

}  // namespace

int RunJobWrapper(const std::string& job_dir, const std::function<void(const JobEnd&)>& report) {
  JobFiles files(job_dir);
  auto spec_json = ReadJsonFile(files.spec());
  if (!spec_json || !spec_json->is_object()) {
    std::fprintf(stderr, "hpcflow job-wrapper: no readable job spec %s\n", files.spec().c_str());
    return 2;
  }
  JobSpec spec;
  try {
    spec = JobSpecFromJson(*spec_json);
  } catch (const std::exception&) {
    return 2;
  }
  int lock_fd = AcquireLock(files);
  if (lock_fd < 0) {
    std::fprintf(stderr, "hpcflow job-wrapper: %s is held by another runner; not running\n",
                 files.lock().c_str());
    return kJobWrapperBusy;
  }
  std::error_code ec;
  if (fs::exists(files.exit(), ec)) return 0;  // it ran before: never twice

  // A job that died before its start gate opened must not take us with it.
  signal(SIGPIPE, SIG_IGN);
  auto watchdog = JobWatchdog::Create();
  if (!watchdog) return kJobWrapperIoError;
  g_watchdog = watchdog->get();
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &action, nullptr);

  // Orphans of the job (an MPI rank's children, daemons) come to us, so that
  // none outlives the job.
  BecomeSubreaper();

  JobEnd end;
  end.start_ms = WallClockMs();
  if (CancelRequested(files.dir)) {
    // Cancelled between submission and start: nothing runs.
    (void)WriteStarted(job_dir, StartedRecord{getpid(), 0, end.start_ms, 0, BootId()});
    end.kind = JobEnd::Kind::kCancelled;
    end.detail = "the job was cancelled before it started";
  } else {
    // The start gate: the job's process waits in its own group until its
    // start is recorded, so a wrapper killed in between leaves no job
    // running without a record (it then never started, and may be started
    // again, exactly once). PDEATHSIG kills the job with a wrapper that dies
    // while it runs; what the job started is found by the post-mortem
    // (backends/job_processes.h).
    int gate[2] = {-1, -1};
    if (pipe2(gate, O_CLOEXEC) != 0) return kJobWrapperIoError;
    ProcessSpec process;
    process.argv = spec.argv;
    process.shell_command = spec.shell_command;
    process.environment = spec.environment;
    process.environment[kJobDirVariable] = job_dir;
    process.working_directory = spec.working_directory;
    process.stdout_path = files.stdout_path();
    process.stderr_path = files.stderr_path();
    process.umask = spec.umask;
    process.die_with_parent = true;
    process.gate_read_fd = gate[0];
    process.gate_write_fd = gate[1];
    auto child = LocalProcess::Start(process);
    if (!child) {
      close(gate[0]);
      close(gate[1]);
      (void)WriteStarted(job_dir, StartedRecord{getpid(), 0, end.start_ms, 0, BootId()});
      end.kind = JobEnd::Kind::kExited;
      end.exit_code = 127;
      end.detail = "the job could not be started: " + child.error().cause;
    } else {
      pid_t pgid = child->pid();
      CrashPoint("wrapper.before_started");
      StartedRecord record{getpid(), pgid, end.start_ms, ProcessStartTicks(pgid).value_or(0),
                           BootId()};
      if (Status recorded = WriteStarted(job_dir, record); !recorded) {
        // Unrecorded, the job must not run: closing the gate stops it.
        close(gate[0]);
        close(gate[1]);
        child->Wait();
        std::fprintf(stderr, "hpcflow job-wrapper: %s\n", recorded.error().cause.c_str());
        return kJobWrapperIoError;  // no `started`: the backend may start it again
      }
      if (!OpenStartGate(gate[0], gate[1])) {
        std::fprintf(stderr, "hpcflow job-wrapper: the job's process vanished before it ran\n");
      }
      (*watchdog)->Watch(pgid, spec.time_limit_s * 1000, kJobStopGraceMs);
      // A cancel whose writer found no `started` yet relies on this look.
      if (CancelRequested(files.dir)) (*watchdog)->RequestStop(SIGTERM);
      child->AwaitExit();
      // The leader is not reaped yet, so the group id is still this job's.
      kill(-pgid, SIGKILL);
      (*watchdog)->Finish();
      int64_t start_ms = end.start_ms;
      end = EndOf(child->Wait(), **watchdog, spec, files);
      end.start_ms = start_ms;
      try {
        KillAndReapDescendants();
      } catch (const std::exception& e) {
        // Cleanup must never cost the record of how the job ended.
        std::fprintf(stderr, "hpcflow job-wrapper: cleaning up: %s\n", e.what());
      }
    }
  }
  // The job is over: later stop requests have nothing left to stop.
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) signal(sig, SIG_IGN);
  g_watchdog = nullptr;
  end.end_ms = WallClockMs();
  Status written = WriteFileAtomically(files.exit(), DumpJson(JobEndToJson(end)));
  if (!written) {
    std::fprintf(stderr, "hpcflow job-wrapper: %s\n", written.error().cause.c_str());
  }
  CrashPoint("wrapper.before_report");
  report(end);
  close(lock_fd);
  return written ? 0 : kJobWrapperIoError;
}

std::optional<JobEnd> ReadJobEnd(const std::string& job_dir) {
  JobFiles files(job_dir);
  auto text = ReadFile(files.exit());
  if (!text) return std::nullopt;
  auto json = ParseJson(*text);
  if (!json || !json->is_object() || !json->contains("kind")) {
    JobEnd end;
    end.kind = JobEnd::Kind::kLost;
    end.detail = "the job's exit file " + files.exit() + " is not a job end";
    return end;
  }
  return JobEndFromJson(*json);
}

}  // namespace hpcflow::backends
