#include "backends/local/local_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "backends/inherited_fds.h"

extern char** environ;

namespace hpcflow::backends {

namespace {

std::string Errno(int error) { return std::strerror(error); }

// An output file we open ourselves (created or truncated, owner-only,
// close-on-exec), for the child's stdout or stderr.
class OutputFile {
 public:
  OutputFile(const std::string& path, bool append) : path_(path.empty() ? "/dev/null" : path) {
    fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0600);
    if (fd_ < 0) error_ = errno;
  }
  ~OutputFile() {
    if (fd_ >= 0) close(fd_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  int fd() const { return fd_; }
  Status status() const {
    if (fd_ >= 0) return {};
    return Fail("io", "cannot create '" + path_ + "': " + Errno(error_));
  }

 private:
  std::string path_;
  int fd_ = -1;
  int error_ = 0;
};

// The child's environment: this process's, with the job's on top, as the
// NULL-terminated "KEY=VALUE" array execve takes.
class EnvironmentBlock {
 public:
  explicit EnvironmentBlock(const std::map<std::string, std::string>& overrides) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      std::string text(*entry);
      auto eq = text.find('=');
      if (eq != std::string::npos) merged.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
    for (const auto& [key, value] : overrides) merged[key] = value;
    if (auto path = merged.find("PATH"); path != merged.end()) path_ = path->second;
    for (const auto& [key, value] : merged) entries_.push_back(key + "=" + value);
    for (auto& entry : entries_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }
  const std::string& path() const { return path_; }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
  std::string path_ = "/usr/local/bin:/usr/bin:/bin";
};

// execve takes a path: a bare program name is looked up here, in the PATH
// the process will have (as execvp would, but with the child's PATH).
std::string ResolveProgram(const std::string& name, const EnvironmentBlock& env) {
  if (name.find('/') != std::string::npos) return name;
  const std::string& path = env.path();
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = end == begin ? "." : path.substr(begin, end - begin);
    std::string candidate = dir + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return name;  // execve fails: the child says so and exits 127
}

// In the child, between fork and exec: only async-signal-safe calls.
void ResetSignals() {
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void ChildFail(const char* message, int code) {
  ssize_t ignored = write(STDERR_FILENO, message, strlen(message));
  (void)ignored;
  _exit(code);
}

// Everything the child needs, prepared in the parent: after fork only
// async-signal-safe calls are allowed (the wrapper has threads).
struct Launch {
  explicit Launch(const ProcessSpec& spec)
      : out(spec.stdout_path, spec.append_output),
        err(spec.stderr_path, spec.append_output),
        env(spec.environment) {
    command = spec.argv.empty() ? std::vector<std::string>{"/bin/sh", "-c", spec.shell_command}
                                : spec.argv;
    program = ResolveProgram(command[0], env);
    for (auto& word : command) argv.push_back(word.data());
    argv.push_back(nullptr);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~Launch() {
    if (devnull >= 0) close(devnull);
  }
  Status status() const {
    if (auto s = out.status(); !s) return s;
    if (auto s = err.status(); !s) return s;
    if (devnull < 0) return Fail("io", "cannot open /dev/null: " + Errno(errno));
    return {};
  }

  std::vector<std::string> command;
  OutputFile out;
  OutputFile err;
  EnvironmentBlock env;
  std::string program;
  std::vector<char*> argv;
  int devnull = -1;
};

// The child's side of a start: group, signals, gate, umask, descriptors,
// directory, exec. `keep_fd` survives the exec (-1: none).
[[noreturn]] void RunChild(Launch& launch, const ProcessSpec& spec, pid_t parent, bool own_group,
                           int keep_fd) {
  if (own_group) setpgid(0, 0);
  ResetSignals();
  if (spec.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);  // the caller died before prctl
  }
  if (spec.gate_read_fd >= 0) {
    if (spec.gate_write_fd >= 0) close(spec.gate_write_fd);  // else EOF could never come
    char go = 0;
    ssize_t n;
    while ((n = read(spec.gate_read_fd, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) _exit(125);  // the caller died before recording the start
    close(spec.gate_read_fd);
  }
  if (spec.umask >= 0) umask(static_cast<mode_t>(spec.umask));
  if (dup2(launch.devnull, STDIN_FILENO) < 0 || dup2(launch.out.fd(), STDOUT_FILENO) < 0 ||
      dup2(launch.err.fd(), STDERR_FILENO) < 0) {
    _exit(126);
  }
  CloseOnExecAllBut(keep_fd);
  if (!spec.working_directory.empty() && chdir(spec.working_directory.c_str()) != 0) {
    ChildFail("hpcflow: cannot change to the working directory\n", 126);
  }
  execve(launch.program.c_str(), launch.argv.data(), launch.env.get());
  ChildFail("hpcflow: cannot execute the command\n", 127);
}

}  // namespace

Result<LocalProcess> LocalProcess::Start(const ProcessSpec& spec) {
  Launch launch(spec);
  if (auto s = launch.status(); !s) return Fail(s.error());
  const bool own_group = !spec.same_process_group;
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Fail("io", "cannot start '" + launch.program + "': fork: " + Errno(errno));
  if (pid == 0) RunChild(launch, spec, parent, own_group, -1);
  // Also from the parent, so that a kill right after Start finds the group.
  if (own_group) setpgid(pid, pid);
  return LocalProcess(pid);
}

Result<pid_t> LocalProcess::StartDetached(const ProcessSpec& spec, int inherit_fd) {
  Launch launch(spec);
  if (auto s = launch.status(); !s) return Fail(s.error());
  // The intermediate child reports the detached pid through one pipe; the
  // detached process reports an exec failure (its errno) through the other,
  // which closes by itself on a successful exec.
  int pid_pipe[2];
  int exec_pipe[2];
  if (pipe2(pid_pipe, O_CLOEXEC) != 0) return Fail("io", "pipe failed: " + Errno(errno));
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    int saved = errno;
    close(pid_pipe[0]);
    close(pid_pipe[1]);
    return Fail("io", "pipe failed: " + Errno(saved));
  }
  pid_t intermediate = fork();
  if (intermediate < 0) {
    int saved = errno;
    for (int fd : {pid_pipe[0], pid_pipe[1], exec_pipe[0], exec_pipe[1]}) close(fd);
    return Fail("io", "cannot start '" + launch.program + "': fork: " + Errno(saved));
  }
  if (intermediate == 0) {
    // In a session of its own, then orphaned (adopted by init): it outlives
    // us and never becomes our zombie.
    setsid();
    pid_t detached = fork();
    if (detached < 0) _exit(1);
    if (detached > 0) {
      ssize_t ignored = write(pid_pipe[1], &detached, sizeof(detached));
      (void)ignored;
      _exit(0);
    }
    // The exec-failure pipe must survive until exec: RunChild marks every
    // descriptor close-on-exec, which is what closes it on success.
    close(exec_pipe[0]);
    ResetSignals();
    if (dup2(launch.devnull, STDIN_FILENO) < 0 || dup2(launch.out.fd(), STDOUT_FILENO) < 0 ||
        dup2(launch.err.fd(), STDERR_FILENO) < 0) {
      _exit(126);
    }
    if (spec.umask >= 0) umask(static_cast<mode_t>(spec.umask));
    CloseOnExecAllBut(inherit_fd);
    fcntl(exec_pipe[1], F_SETFD, FD_CLOEXEC);
    if (!spec.working_directory.empty() && chdir(spec.working_directory.c_str()) != 0) {
      int error = errno;
      ssize_t ignored = write(exec_pipe[1], &error, sizeof(error));
      (void)ignored;
      _exit(126);
    }
    execve(launch.program.c_str(), launch.argv.data(), launch.env.get());
    int error = errno;
    ssize_t ignored = write(exec_pipe[1], &error, sizeof(error));
    (void)ignored;
    _exit(127);
  }
  close(pid_pipe[1]);
  close(exec_pipe[1]);
  int status = 0;
  while (waitpid(intermediate, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t detached = -1;
  ssize_t n;
  while ((n = read(pid_pipe[0], &detached, sizeof(detached))) < 0 && errno == EINTR) {
  }
  close(pid_pipe[0]);
  bool forked = WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == sizeof(detached);
  int exec_error = 0;
  if (forked) {
    // Blocks until the detached process has exec'd (EOF) or failed (errno).
    while ((n = read(exec_pipe[0], &exec_error, sizeof(exec_error))) < 0 && errno == EINTR) {
    }
    if (n != sizeof(exec_error)) exec_error = 0;
  }
  close(exec_pipe[0]);
  if (!forked) return Fail("io", "cannot start '" + launch.program + "' detached: fork failed");
  if (exec_error != 0) {
    return Fail("io", "cannot start '" + launch.program + "': " + Errno(exec_error));
  }
  return detached;
}

LocalProcess::LocalProcess(LocalProcess&& other) noexcept
    : pid_(other.pid_), reaped_(other.reaped_) {
  other.pid_ = -1;
}

// A job outlives its handle: nothing is killed here.
LocalProcess::~LocalProcess() = default;

bool OpenStartGate(int gate_read_fd, int gate_write_fd) {
  if (gate_read_fd >= 0) close(gate_read_fd);
  if (gate_write_fd < 0) return false;
  char go = 1;
  ssize_t n;
  while ((n = write(gate_write_fd, &go, 1)) < 0 && errno == EINTR) {
  }
  close(gate_write_fd);
  return n == 1;
}

void LocalProcess::AwaitExit() {
  if (pid_ <= 0 || reaped_) return;
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
}

ProcessOutcome LocalProcess::Wait() {
  ProcessOutcome outcome;
  if (pid_ <= 0 || reaped_) return outcome;
  int status = 0;
  pid_t got;
  while ((got = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  if (got != pid_) return outcome;
  reaped_ = true;
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
  return outcome;
}

void LocalProcess::KillGroup(pid_t pgid, int grace_ms) {
  if (pgid <= 1) return;
  if (kill(-pgid, SIGTERM) != 0) return;  // already gone
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (kill(-pgid, 0) != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pgid, SIGKILL);
}

std::string ReadTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                             ? size - static_cast<std::streamoff>(max_bytes)
                             : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail;
}

}  // namespace hpcflow::backends
