#include "backends/local/local_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>
#include <thread>

#include "backends/inherited_fds.h"

extern char** environ;

namespace hpcflow::backends {

namespace bp = boost::process;

namespace {

// Boost.Process 1.74 makes its exec-error pipe with pipe() and sets
// close-on-exec on it only afterwards (and never on the read end): a fork
// by another thread in between hands the pipe to an unrelated child, and
// the first launch then waits until that child exits. Launches made here
// are serialised so they cannot interleave that way.
std::mutex g_launch_mutex;

// A stdio stream over a file we opened ourselves: Boost.Process 1.74 opens
// `std_out > path` without O_TRUNC (a re-run would leave old bytes behind)
// and without close-on-exec, so we open the file and hand it over.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path.empty() ? "/dev/null" : path) {
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      error_ = errno;
      return;
    }
    file_ = fdopen(fd, "w");
    if (file_ == nullptr) {
      error_ = errno;
      close(fd);
    }
  }
  ~OutputFile() {
    if (file_ != nullptr) fclose(file_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  FILE* get() const { return file_; }
  Status status() const {
    if (file_ != nullptr) return {};
    return Fail("io", "cannot create '" + path_ + "': " + std::strerror(error_));
  }

 private:
  std::string path_;
  FILE* file_ = nullptr;
  int error_ = 0;
};

// The child's environment: this process's, with the job's on top, as the
// NULL-terminated "KEY=VALUE" array execve takes. Built here rather than
// with bp::environment, whose lookup in Boost 1.74 compares past the end of
// shorter entries (a heap overflow that AddressSanitizer reports); the
// child's on_exec_setup points the executor at it.
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

// Boost.Process execs the path it is given (execve, no PATH search), so a
// bare program name is looked up here, in the PATH the process will have.
std::string ResolveProgram(const std::string& name, const EnvironmentBlock& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = env.path();
  std::vector<boost::filesystem::path> dirs;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    dirs.emplace_back(end == begin ? "." : path.substr(begin, end - begin));
    begin = end + 1;
  }
  auto found = bp::search_path(name, dirs);
  return found.empty() ? name : found.string();
}

std::vector<std::string> CommandLine(const ProcessSpec& spec) {
  if (!spec.argv.empty()) return spec.argv;
  return {"/bin/sh", "-c", spec.shell_command};
}

// In the child, between fork and exec: only async-signal-safe calls.
void ResetSignals() {
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

void ChildFail(const char* message, int code) {
  ssize_t ignored = write(STDERR_FILENO, message, strlen(message));
  (void)ignored;
  _exit(code);
}

}  // namespace

LocalProcess::LocalProcess(std::unique_ptr<bp::child> child)
    : child_(std::move(child)), pid_(child_->id()) {}

LocalProcess::LocalProcess(LocalProcess&& other) noexcept
    : child_(std::move(other.child_)), pid_(other.pid_) {
  other.pid_ = -1;
}

LocalProcess::~LocalProcess() {
  // A Boost.Process child still attached is terminated by its destructor;
  // a job must outlive its handle.
  if (child_ && child_->valid()) child_->detach();
}

namespace {

// What both ways of starting a process prepare in the parent: its output
// files, its environment, and the program with its arguments.
struct Launch {
  explicit Launch(const ProcessSpec& spec)
      : command(CommandLine(spec)),
        out(spec.stdout_path),
        err(spec.stderr_path),
        env(spec.environment),
        program(ResolveProgram(command[0], env)),
        args(command.begin() + 1, command.end()) {}
  Status status() const {
    if (auto s = out.status(); !s) return s;
    return err.status();
  }

  std::vector<std::string> command;
  OutputFile out;
  OutputFile err;
  EnvironmentBlock env;
  std::string program;
  std::vector<std::string> args;
};

}  // namespace

Result<LocalProcess> LocalProcess::Start(const ProcessSpec& spec) {
  Launch launch(spec);
  if (auto s = launch.status(); !s) return Fail(s.error());
  char** envp = launch.env.get();
  const bool own_group = !spec.same_process_group;
  const char* working_directory =
      spec.working_directory.empty() ? nullptr : spec.working_directory.c_str();

  // Boost.Process's start_dir ignores a failing chdir, and its exec-error
  // report makes the parent drop a child it never reaps; so both are handled
  // in the child, the way a shell does (126, 127 and a message on stderr).
  auto setup = bp::extend::on_exec_setup([own_group, working_directory, envp](auto& exec) {
    exec.env = envp;
    if (own_group) setpgid(0, 0);
    ResetSignals();
    CloseOnExecAllBut(-1);
    if (working_directory != nullptr && chdir(working_directory) != 0) {
      ChildFail("hpcflow: cannot change to the working directory\n", 126);
    }
  });
  auto exec_error = bp::extend::on_exec_error([](auto&, const std::error_code&) {
    ChildFail("hpcflow: cannot execute the command\n", 127);
  });
  std::error_code ec;
  std::unique_ptr<bp::child> child;
  try {
    std::lock_guard<std::mutex> launch_lock(g_launch_mutex);
    child = std::make_unique<bp::child>(bp::exe = launch.program, bp::args = launch.args,
                                        (bp::std_in < bp::null), (bp::std_out > launch.out.get()),
                                        (bp::std_err > launch.err.get()), setup, exec_error, ec);
  } catch (const std::exception& e) {
    return Fail("io", "cannot start '" + launch.program + "': " + e.what());
  }
  if (ec || !child->valid()) {
    return Fail("io", "cannot start '" + launch.program + "': " + ec.message());
  }
  // Also from the parent, so that a kill right after Start finds the group.
  if (own_group) setpgid(child->id(), child->id());
  return LocalProcess(std::move(child));
}

Result<pid_t> LocalProcess::StartDetached(const ProcessSpec& spec, int inherit_fd) {
  Launch launch(spec);
  if (auto s = launch.status(); !s) return Fail(s.error());
  char** envp = launch.env.get();
  // The intermediate child tells the pid of the detached one through this.
  int pid_pipe[2];
  if (pipe2(pid_pipe, O_CLOEXEC) != 0) {
    return Fail("io", std::string("pipe failed: ") + std::strerror(errno));
  }
  const int pid_sink = pid_pipe[1];

  // Boost.Process starts one child; the second fork (which makes the
  // process an orphan adopted by init) happens in that child, after the
  // redirections and before exec. Exec errors then reach the parent through
  // Boost.Process's own error pipe, from the grandchild.
  auto detach = bp::extend::on_exec_setup([inherit_fd, pid_sink, envp](auto& exec) {
    exec.env = envp;
    setsid();
    ResetSignals();
    CloseOnExecAllBut(inherit_fd);
    pid_t grandchild = _Fork();  // async-signal-safe, unlike fork()
    if (grandchild < 0) _exit(1);
    if (grandchild > 0) {
      ssize_t ignored = write(pid_sink, &grandchild, sizeof(grandchild));
      (void)ignored;
      _exit(0);
    }
  });
  // When exec fails Boost.Process returns no child and so never reaps the
  // intermediate one: reap it here.
  auto reap = bp::extend::on_error([](auto& exec, const std::error_code&) {
    if (exec.pid > 0) {
      while (waitpid(exec.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  });
  std::error_code ec;
  std::unique_ptr<bp::child> intermediate;
  try {
    std::lock_guard<std::mutex> launch_lock(g_launch_mutex);
    intermediate = std::make_unique<bp::child>(
        bp::exe = launch.program, bp::args = launch.args, (bp::std_in < bp::null),
        (bp::std_out > launch.out.get()), (bp::std_err > launch.err.get()), detach, reap, ec);
  } catch (const std::exception& e) {
    close(pid_pipe[0]);
    close(pid_pipe[1]);
    return Fail("io", "cannot start '" + launch.program + "': " + e.what());
  }
  close(pid_pipe[1]);
  pid_t detached = -1;
  bool started = !ec && intermediate->valid();
  if (started) {
    std::error_code wait_ec;
    intermediate->wait(wait_ec);
    int status = intermediate->native_exit_code();
    started = !wait_ec && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    ssize_t n;
    while ((n = read(pid_pipe[0], &detached, sizeof(detached))) < 0 && errno == EINTR) {
    }
    if (n != sizeof(detached)) started = false;
  }
  close(pid_pipe[0]);
  if (!started) {
    return Fail("io", "cannot start '" + launch.program +
                          "' detached: " + (ec ? ec.message() : std::string("fork failed")));
  }
  return detached;
}

void LocalProcess::AwaitExit() {
  if (pid_ <= 0) return;
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
}

ProcessOutcome LocalProcess::Wait() {
  ProcessOutcome outcome;
  if (!child_ || !child_->valid()) return outcome;
  std::error_code ec;
  child_->wait(ec);
  if (ec) return outcome;
  // exit_code() folds "killed by signal N" into N; the raw status keeps them apart.
  int status = child_->native_exit_code();
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
