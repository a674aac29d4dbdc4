#include "backends/local/launcher_link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "backends/local/job_launcher.h"
#include "backends/local/local_process.h"

namespace hpcflow::backends {

struct LauncherLink::Shared {
  ~Shared() {
    if (fd >= 0) close(fd);
  }

  void ReadUntilClosed();
  void DispatchUntilDone();

  int fd = -1;
  pid_t pid = 0;
  LauncherCallbacks callbacks;

  std::mutex launch_mutex;  // one launch at a time: the replies come in order

  std::mutex mutex;
  std::condition_variable replied;
  std::condition_variable has_events;
  bool dead = false;     // the socket is closed or broken
  bool closing = false;  // the link is being dropped: no `lost` then
  std::optional<LauncherMessage> reply;
  std::set<std::string> in_flight;  // sent to the launcher, not seen to exit
  // Callbacks to run, in order: an exited job, or (lost set) the launcher's
  // death.
  struct Event {
    std::string exited;
    std::optional<std::vector<std::string>> lost;
  };
  std::deque<Event> events;
};

void LauncherLink::Shared::ReadUntilClosed() {
  while (true) {
    auto message = ReceiveLauncherMessage(fd);
    std::lock_guard<std::mutex> lock(mutex);
    if (!message) {
      dead = true;
      if (!closing) {
        events.push_back({"", std::vector<std::string>(in_flight.begin(), in_flight.end())});
      }
      in_flight.clear();
      replied.notify_all();
      has_events.notify_all();
      return;
    }
    if (message->fd >= 0) close(message->fd);  // the launcher never sends any
    if (message->kind == 'X') {
      if (in_flight.erase(message->job_dir)) {
        events.push_back({message->job_dir, std::nullopt});
        has_events.notify_all();
      }
    } else if (message->kind == 'P' || message->kind == 'F') {
      reply = std::move(*message);
      replied.notify_all();
    }
  }
}

void LauncherLink::Shared::DispatchUntilDone() {
  while (true) {
    Event event;
    {
      std::unique_lock<std::mutex> lock(mutex);
      has_events.wait(lock, [&] { return !events.empty() || dead; });
      if (events.empty()) return;  // dead, and everything said
      event = std::move(events.front());
      events.pop_front();
    }
    if (event.lost) {
      if (callbacks.lost) callbacks.lost(*event.lost);
    } else if (callbacks.exited) {
      callbacks.exited(event.exited);
    }
  }
}

LauncherLink::LauncherLink(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

Result<std::unique_ptr<LauncherLink>> LauncherLink::Start(const std::vector<std::string>& command,
                                                          LauncherCallbacks callbacks) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    return Fail("io", std::string("cannot make the job launcher's socket: ") + strerror(errno));
  }
  ProcessSpec spec;
  spec.argv = command;
  spec.argv.push_back(std::to_string(ends[1]));
  // Its rare complaints (and a crash point's) go where ours go; a stderr
  // that cannot be reopened (a socket) leaves it /dev/null.
  spec.stderr_path = "/proc/self/fd/2";
  spec.append_output = true;
  auto pid = LocalProcess::StartDetached(spec, ends[1]);
  if (!pid) {
    spec.stderr_path.clear();
    pid = LocalProcess::StartDetached(spec, ends[1]);
  }
  close(ends[1]);
  if (!pid) {
    close(ends[0]);
    return Fail("io", "cannot start the job launcher: " + pid.error().cause);
  }
  auto shared = std::make_shared<Shared>();
  shared->fd = ends[0];
  shared->pid = *pid;
  shared->callbacks = std::move(callbacks);
  std::thread([shared] { shared->ReadUntilClosed(); }).detach();
  std::thread([shared] { shared->DispatchUntilDone(); }).detach();
  return std::unique_ptr<LauncherLink>(new LauncherLink(shared));
}

LauncherLink::~LauncherLink() {
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->closing = true;
  }
  // Wakes the reader with EOF; the launcher sees its end close and exits.
  shutdown(shared_->fd, SHUT_RDWR);
}

bool LauncherLink::alive() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return !shared_->dead;
}

pid_t LauncherLink::launcher_pid() const { return shared_->pid; }

Result<pid_t> LauncherLink::Launch(const std::string& job_dir, int lock_fd) {
  Shared& s = *shared_;
  std::lock_guard<std::mutex> one_at_a_time(s.launch_mutex);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.dead) {
      close(lock_fd);
      return Fail("unsent", "the job launcher is gone");
    }
    s.in_flight.insert(job_dir);
    s.reply.reset();
  }
  Status sent = SendLauncherMessage(s.fd, {'L', "", job_dir, lock_fd});
  close(lock_fd);
  std::unique_lock<std::mutex> lock(s.mutex);
  if (!sent) {
    if (s.dead && !s.in_flight.count(job_dir)) {
      // The reader has passed it to `lost` already.
      return Fail("gone", "the job launcher died: " + sent.error().cause);
    }
    s.in_flight.erase(job_dir);
    return Fail("unsent", sent.error().cause);
  }
  s.replied.wait(lock, [&] { return s.reply.has_value() || s.dead; });
  if (!s.reply) return Fail("gone", "the job launcher died while it started the wrapper");
  LauncherMessage reply = std::move(*s.reply);
  s.reply.reset();
  if (reply.job_dir != job_dir) {
    return Fail("gone", "the job launcher answered for " + reply.job_dir + ", not " + job_dir);
  }
  if (reply.kind == 'F') {
    s.in_flight.erase(job_dir);
    return Fail("io", reply.first);
  }
  return static_cast<pid_t>(std::atoll(reply.first.c_str()));
}

}  // namespace hpcflow::backends
