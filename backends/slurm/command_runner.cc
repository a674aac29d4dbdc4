#include "backends/slurm/command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "backends/inherited_fds.h"

namespace hpcflow::backends::slurm {

namespace {

// The exec failure is reported through this pipe (closed on a successful
// exec by O_CLOEXEC), so "not found" is an Error and not exit code 127.
constexpr int kExecFailedMarker = 1;

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv, int timeout_ms) {
  if (argv.empty()) return Fail("io", "RunCommand: empty command");
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  int exec_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(exec_pipe, O_CLOEXEC) != 0) {
    int saved = errno;
    for (int fd :
         {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]}) {
      if (fd >= 0) close(fd);
    }
    return Fail("io",
                std::string("cannot create pipes to run ") + argv[0] + ": " + strerror(saved));
  }
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    for (int fd :
         {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]}) {
      close(fd);
    }
    return Fail("io", std::string("fork failed running ") + argv[0] + ": " + strerror(saved));
  }
  if (pid == 0) {
    // Own process group, so a timeout kills whatever the command started.
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    // The exec-failure pipe stays open until exec succeeds (it closes then).
    CloseOnExecAllBut(-1);
    execvp(cargs[0], cargs.data());
    int code = errno;
    char marker[2] = {static_cast<char>(kExecFailedMarker), static_cast<char>(code)};
    (void)!write(exec_pipe[1], marker, sizeof(marker));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int out_fd = out_pipe[0];
  int err_fd = err_pipe[0];

  CommandOutput output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buffer[8192];
  while (out_fd >= 0 || err_fd >= 0) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) {
      output.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      break;
    }
    pollfd fds[2];
    int n = 0;
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    int ready = poll(fds, n, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      bool is_out = fds[i].fd == out_fd;
      if (got <= 0) {
        CloseFd(is_out ? out_fd : err_fd);
      } else {
        (is_out ? output.out : output.err).append(buffer, static_cast<size_t>(got));
      }
    }
  }
  CloseFd(out_fd);
  CloseFd(err_fd);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  char marker[2] = {0, 0};
  ssize_t got = read(exec_pipe[0], marker, sizeof(marker));
  close(exec_pipe[0]);
  if (got == 2 && marker[0] == kExecFailedMarker) {
    return Fail("io", "cannot run " + argv[0] + ": " + strerror(marker[1]));
  }
  if (WIFEXITED(status)) {
    output.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    output.exit_code = 128 + WTERMSIG(status);
  }
  return output;
}

}  // namespace hpcflow::backends::slurm
