#include "backends/local/local_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace hpcflow::backends {

namespace {

int OpenOutput(const std::string& path) {
  if (path.empty()) return open("/dev/null", O_WRONLY | O_CLOEXEC);
  return open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

}  // namespace

Result<LocalProcess> LocalProcess::Start(const ProcessSpec& spec) {
  std::vector<std::string> args = spec.argv;
  if (args.empty()) args = {"/bin/sh", "-c", spec.shell_command};
  int out = OpenOutput(spec.stdout_path);
  if (out < 0) return Fail("io", "cannot create '" + spec.stdout_path + "': " + strerror(errno));
  int err = OpenOutput(spec.stderr_path);
  if (err < 0) {
    close(out);
    return Fail("io", "cannot create '" + spec.stderr_path + "': " + strerror(errno));
  }
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos && spec.environment.count(entry.substr(0, eq))) continue;
    env_strings.push_back(std::move(entry));
  }
  for (const auto& [key, value] : spec.environment) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(out);
    close(err);
    if (devnull >= 0) close(devnull);
    return Fail("io", std::string("fork failed: ") + strerror(saved));
  }
  if (pid == 0) {
    if (!spec.same_process_group) setpgid(0, 0);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    if (!spec.working_directory.empty() && chdir(spec.working_directory.c_str()) != 0) {
      const char msg[] = "hpcflow: cannot change to the working directory\n";
      ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
      (void)ignored;
      _exit(126);
    }
    // Restore default signal handling the orchestrator may have changed.
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvpe(argv[0], argv.data(), envp.data());
    const char msg[] = "hpcflow: cannot execute the command\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  // Also set the group from the parent, so a kill right after Start finds it.
  if (!spec.same_process_group) setpgid(pid, pid);
  close(out);
  close(err);
  if (devnull >= 0) close(devnull);
  return LocalProcess(pid);
}

ProcessOutcome LocalProcess::Wait() {
  ProcessOutcome outcome;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return outcome;
  }
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
