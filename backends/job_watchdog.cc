#include "backends/job_watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

namespace hpcflow::backends {

namespace {

using Clock = std::chrono::steady_clock;

// The byte that ends the watch; signals are sent as their number.
constexpr unsigned char kFinish = 0;

}  // namespace

Result<std::unique_ptr<JobWatchdog>> JobWatchdog::Create() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Fail("io", std::string("cannot make the watchdog pipe: ") + std::strerror(errno));
  }
  return std::unique_ptr<JobWatchdog>(new JobWatchdog(fds[0], fds[1]));
}

JobWatchdog::~JobWatchdog() {
  Finish();
  close(read_fd_);
  close(write_fd_);
}

void JobWatchdog::RequestStop(int sig) {
  unsigned char byte = static_cast<unsigned char>(sig);
  ssize_t ignored = write(write_fd_, &byte, 1);
  (void)ignored;
}

void JobWatchdog::Watch(pid_t pgid, int64_t time_limit_ms, int grace_ms) {
  thread_ =
      std::thread([this, pgid, time_limit_ms, grace_ms] { Run(pgid, time_limit_ms, grace_ms); });
}

void JobWatchdog::Finish() {
  if (!thread_.joinable()) return;
  unsigned char byte = kFinish;
  while (write(write_fd_, &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
}

void JobWatchdog::Run(pid_t pgid, int64_t time_limit_ms, int grace_ms) {
  std::optional<Clock::time_point> limit_at;
  if (time_limit_ms > 0) limit_at = Clock::now() + std::chrono::milliseconds(time_limit_ms);
  std::optional<Clock::time_point> kill_at;
  auto stop = [&](int sig) {
    kill(-pgid, sig);
    if (!kill_at) kill_at = Clock::now() + std::chrono::milliseconds(grace_ms);
  };
  while (true) {
    int timeout_ms = -1;
    for (const auto& at : {limit_at, kill_at}) {
      if (!at) continue;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*at - Clock::now()).count();
      int left_ms = static_cast<int>(std::max<int64_t>(0, left));
      timeout_ms = timeout_ms < 0 ? left_ms : std::min(timeout_ms, left_ms);
    }
    pollfd pfd{read_fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    if (ready > 0) {
      unsigned char bytes[16];
      ssize_t n = read(read_fd_, bytes, sizeof(bytes));
      for (ssize_t i = 0; i < n; ++i) {
        if (bytes[i] == kFinish) return;
        int expected = 0;
        stop_signal_.compare_exchange_strong(expected, bytes[i]);
        stop(bytes[i]);
      }
    }
    auto now = Clock::now();
    if (limit_at && now >= *limit_at) {
      limit_at.reset();
      timed_out_ = true;
      stop(SIGTERM);
    }
    if (kill_at && now >= *kill_at) {
      kill_at.reset();
      kill(-pgid, SIGKILL);
    }
  }
}

}  // namespace hpcflow::backends
