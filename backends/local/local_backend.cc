#include "backends/local/local_backend.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/local/local_process.h"

extern char** environ;

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes a file so that readers see all of it or none of it.
bool WriteAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::optional<Json> ReadJsonFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return std::nullopt;
  auto value = ParseJson(*text);
  if (!value) return std::nullopt;
  return std::move(*value);
}

}  // namespace

Result<SubmitOutcome> LocalBackend::Submit(const JobSpec& spec) const {
  JobFiles files(spec.job_dir);
  std::error_code ec;
  fs::create_directories(files.dir, ec);
  if (ec) return Fail("io", "cannot create the job directory '" + files.dir + "': " + ec.message());
  // The lock fd must survive exec in the wrapper: no O_CLOEXEC here.
  int lock_fd = open(files.lock().c_str(), O_RDWR | O_CREAT, 0600);
  if (lock_fd < 0) return Fail("io", "cannot open " + files.lock() + ": " + strerror(errno));
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(lock_fd);  // a wrapper holds it: the job is running
    auto started = ReadJsonFile(files.started());
    return SubmitOutcome{started ? std::to_string(started->value("pid", 0)) : "", true};
  }
  if (fs::exists(files.exit(), ec) || fs::exists(files.started(), ec)) {
    close(lock_fd);  // it ran before (and ended, reported or not): never twice
    auto started = ReadJsonFile(files.started());
    return SubmitOutcome{started ? std::to_string(started->value("pid", 0)) : "", true};
  }
  if (!WriteAtomically(files.spec(), DumpJson(JobSpecToJson(spec)))) {
    close(lock_fd);
    return Fail("io", "cannot write " + files.spec());
  }
  std::vector<std::string> args = wrapper_command_;
  args.push_back(files.dir);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Double fork: the wrapper is reparented to init, so it never becomes a
  // zombie of the orchestrator and keeps running when the orchestrator dies.
  pid_t child = fork();
  if (child < 0) {
    int saved = errno;
    close(lock_fd);
    return Fail("io", std::string("fork failed: ") + strerror(saved));
  }
  if (child == 0) {
    setsid();
    pid_t wrapper = fork();
    if (wrapper != 0) _exit(wrapper < 0 ? 1 : 0);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  close(lock_fd);  // the wrapper holds the lock now
  return SubmitOutcome{"", false};
}

bool LocalBackend::IsRunning(const std::string& job_dir) {
  JobFiles files(job_dir);
  int fd = open(files.lock().c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  bool running = flock(fd, LOCK_EX | LOCK_NB) != 0;
  close(fd);
  return running;
}

JobEnd LocalBackend::WaitForEnd(const std::string& job_dir) {
  JobFiles files(job_dir);
  JobEnd end;
  int fd = open(files.lock().c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    close(fd);
  }
  auto started = ReadJsonFile(files.started());
  if (started) end.start_ms = started->value("start_ms", int64_t{0});
  auto exit = ReadJsonFile(files.exit());
  if (!exit) {
    end.kind = JobEnd::Kind::kLost;
    end.detail = started ? "the job's wrapper ended without recording the job's end"
                         : "the job never started";
    end.end_ms = NowMs();
    return end;
  }
  end.end_ms = exit->value("end_ms", NowMs());
  if (exit->contains("signal") && exit->value("signal", 0) != 0) {
    end.kind = JobEnd::Kind::kSignaled;
    end.signal = exit->value("signal", 0);
  } else {
    end.kind = JobEnd::Kind::kExited;
    end.exit_code = exit->value("exit_code", -1);
  }
  return end;
}

void LocalBackend::Cancel(const std::string& job_dir, int grace_ms) {
  JobFiles files(job_dir);
  if (!IsRunning(job_dir)) return;
  auto started = ReadJsonFile(files.started());
  if (!started) return;
  pid_t pgid = started->value("pgid", 0);
  if (pgid <= 1) return;
  LocalProcess::KillGroup(pgid, grace_ms);
}

namespace {

volatile sig_atomic_t g_terminate_requested = 0;
void OnTerminate(int) { g_terminate_requested = 1; }

}  // namespace

int RunJobWrapper(const std::string& job_dir) {
  JobFiles files(job_dir);
  auto spec_json = ReadJsonFile(files.spec());
  if (!spec_json) return 2;
  JobSpec spec;
  try {
    spec = JobSpecFromJson(*spec_json);
  } catch (const std::exception&) {
    return 2;
  }
  // Signals sent to the group reach the command too; the wrapper survives
  // them long enough to record how the command ended.
  struct sigaction action {};
  action.sa_handler = OnTerminate;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);

  ProcessSpec process;
  process.argv = spec.argv;
  process.shell_command = spec.shell_command;
  process.environment = spec.environment;
  process.working_directory = spec.working_directory;
  process.stdout_path = files.stdout_path();
  process.stderr_path = files.stderr_path();
  process.same_process_group = true;
  int64_t start_ms = NowMs();
  auto child = LocalProcess::Start(process);
  Json started = {{"pid", getpid()}, {"pgid", getpgrp()}, {"start_ms", start_ms}};
  if (child) started["command_pid"] = child->pid();
  WriteAtomically(files.started(), DumpJson(started));
  Json exit;
  if (!child) {
    exit = {{"exit_code", 127}, {"error", child.error().cause}};
  } else {
    ProcessOutcome outcome = child->Wait();
    if (outcome.signal != 0) {
      exit = {{"signal", outcome.signal}};
    } else {
      exit = {{"exit_code", outcome.exit_code}};
    }
  }
  exit["end_ms"] = NowMs();
  WriteAtomically(files.exit(), DumpJson(exit));
  return 0;
}

}  // namespace hpcflow::backends
