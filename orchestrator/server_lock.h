// One server per state directory: a lock on `<state>/server.lock`, held
// for the server's lifetime and released by the kernel when it dies (even
// by kill -9), so a stale lock can never block a restart.
#ifndef HPCFLOW_ORCHESTRATOR_SERVER_LOCK_H_
#define HPCFLOW_ORCHESTRATOR_SERVER_LOCK_H_

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

class ServerLock {
 public:
  // Takes the lock. Errors: another server holds it ("already running, pid
  // N"), or the file cannot be opened.
  static Result<ServerLock> Acquire(const std::string& state_dir);
  ServerLock(ServerLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ServerLock& operator=(ServerLock&&) = delete;
  ~ServerLock();

  // True when a server holds the lock of `state_dir`; `pid` gets its pid.
  static bool IsHeld(const std::string& state_dir, pid_t* pid = nullptr);

 private:
  explicit ServerLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_SERVER_LOCK_H_
