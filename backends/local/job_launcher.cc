#include "backends/local/job_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include "backends/job_dir.h"
#include "backends/job_wrapper.h"
#include "common/crash_point.h"

namespace hpcflow::backends {

namespace {

// Job directories are absolute paths; PATH_MAX bounds them.
constexpr size_t kMaxMessage = 8192;

std::string Errno(int error) { return std::strerror(error); }

// The forked wrapper: what `hpcflow job-wrapper DIR` would be after its
// exec, without the exec. Only the launcher's own descriptors are closed;
// the lock descriptor stays (RunJobWrapper takes it over through
// kLockFdVariable, as from the local backend's exec).
[[noreturn]] void RunForkedWrapper(const std::string& job_dir, int lock_fd, int socket_fd,
                                   int signal_fd, const sigset_t& original_mask) {
  close(socket_fd);
  close(signal_fd);
  signal(SIGCHLD, SIG_DFL);
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  // A session of its own, as a detached wrapper has: a terminal's signals
  // for the orchestrator never reach the job.
  setsid();
  // What `ps -o comm` and /proc/PID/comm show: a wrapper, not the launcher.
  prctl(PR_SET_NAME, "hpcflow-wrapper");
  int log = open(JobFiles(job_dir).wrapper_log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                 0600);
  if (log >= 0) {
    dup2(log, STDERR_FILENO);
    close(log);
  }
  setenv(kLockFdVariable, std::to_string(lock_fd).c_str(), 1);
  // The launcher's backend hears of the end from the launcher (message X):
  // no report from here.
  int code = RunJobWrapper(job_dir, [](const JobEnd&) {});
  std::fflush(nullptr);
  _exit(code);
}

}  // namespace

Status SendLauncherMessage(int socket_fd, const LauncherMessage& message) {
  std::string text(1, message.kind);
  if (message.kind == 'P' || message.kind == 'F') text += "\t" + message.first;
  text += "\t" + message.job_dir;
  if (text.size() > kMaxMessage) return Fail("io", "job directory too long: " + message.job_dir);
  struct iovec iov {};
  iov.iov_base = text.data();
  iov.iov_len = text.size();
  struct msghdr header {};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (message.fd >= 0) {
    header.msg_control = control;
    header.msg_controllen = sizeof(control);
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &message.fd, sizeof(int));
  }
  while (true) {
    ssize_t sent = sendmsg(socket_fd, &header, MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(text.size())) return {};
    if (sent < 0 && errno == EINTR) continue;
    return Fail("io", "cannot write to the job launcher's socket: " +
                          (sent < 0 ? Errno(errno) : std::string("short write")));
  }
}

Result<LauncherMessage> ReceiveLauncherMessage(int socket_fd) {
  char buffer[kMaxMessage + 1];
  struct iovec iov {};
  iov.iov_base = buffer;
  iov.iov_len = kMaxMessage;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr header {};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = recvmsg(socket_fd, &header, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n == 0) return Fail("eof", "the job launcher's peer closed its end");
  if (n < 0) return Fail("io", "cannot read the job launcher's socket: " + Errno(errno));
  LauncherMessage message;
  for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg; cmsg = CMSG_NXTHDR(&header, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
        cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
      std::memcpy(&message.fd, CMSG_DATA(cmsg), sizeof(int));
    }
  }
  auto malformed = [&]() -> Result<LauncherMessage> {
    if (message.fd >= 0) close(message.fd);
    return Fail("io", "a malformed job launcher message: '" +
                          std::string(buffer, static_cast<size_t>(n)) + "'");
  };
  std::string text(buffer, static_cast<size_t>(n));
  if (text.size() < 3 || text[1] != '\t') return malformed();
  message.kind = text[0];
  std::string rest = text.substr(2);
  if (message.kind == 'P' || message.kind == 'F') {
    size_t tab = rest.find('\t');
    if (tab == std::string::npos) return malformed();
    message.first = rest.substr(0, tab);
    rest = rest.substr(tab + 1);
  } else if (message.kind != 'L' && message.kind != 'X') {
    return malformed();
  }
  if (rest.empty() || rest[0] != '/') return malformed();
  message.job_dir = rest;
  return message;
}

int RunJobLauncher(int socket_fd) {
  // SIGCHLD through a descriptor, so one poll() serves requests and exits.
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigset_t original;
  sigprocmask(SIG_BLOCK, &chld, &original);
  int signal_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    std::fprintf(stderr, "hpcflow job-launcher: signalfd: %s\n", Errno(errno).c_str());
    return 4;
  }
  signal(SIGPIPE, SIG_IGN);
  // Detached from any terminal already; a stray hangup must not stop us.
  signal(SIGHUP, SIG_IGN);
  fcntl(socket_fd, F_SETFD, FD_CLOEXEC);
  std::unordered_map<pid_t, std::string> wrappers;
  auto reap = [&] {
    signalfd_siginfo info;
    while (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
    }
    pid_t pid;
    int status;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = wrappers.find(pid);
      if (it == wrappers.end()) continue;
      (void)SendLauncherMessage(socket_fd, {'X', "", it->second, -1});
      wrappers.erase(it);
    }
  };
  while (true) {
    struct pollfd fds[2] = {{socket_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "hpcflow job-launcher: poll: %s\n", Errno(errno).c_str());
      return 4;
    }
    if (fds[1].revents) reap();
    if (!fds[0].revents) continue;
    auto message = ReceiveLauncherMessage(socket_fd);
    if (!message) {
      // The backend is gone (or speaks nonsense): the wrappers run on.
      if (message.error().name != "eof") {
        std::fprintf(stderr, "hpcflow job-launcher: %s\n", message.error().cause.c_str());
      }
      return message.error().name == "eof" ? 0 : 4;
    }
    if (message->kind != 'L' || message->fd < 0) {
      if (message->fd >= 0) close(message->fd);
      std::fprintf(stderr, "hpcflow job-launcher: unexpected message for %s\n",
                   message->job_dir.c_str());
      continue;
    }
    pid_t pid = fork();
    if (pid == 0) {
      RunForkedWrapper(message->job_dir, message->fd, socket_fd, signal_fd, original);
    }
    int saved = errno;
    if (pid > 0) CrashPoint("launcher.after_fork");
    close(message->fd);  // the wrapper holds the lock now (or nobody: then it is free)
    if (pid < 0) {
      (void)SendLauncherMessage(socket_fd, {'F', "fork: " + Errno(saved), message->job_dir, -1});
      continue;
    }
    wrappers[pid] = message->job_dir;
    if (!SendLauncherMessage(socket_fd, {'P', std::to_string(pid), message->job_dir, -1})) {
      return 0;  // the backend is gone; the wrapper runs on
    }
  }
}

}  // namespace hpcflow::backends
