// Who runs the executions of a state directory must be alive for them to
// progress, and only one process may run each: a lock held for the
// process's lifetime and released by the kernel when it dies (even by
// kill -9), so a stale lock never blocks a restart and a dead owner is seen
// as dead at once.
//
//   - the state directory's server: <state>/server.lock (one server per
//     state directory);
//   - an `hpcflow run` process: <state>/owners/<owner>.lock, where the
//     owner is "run:<pid>-<nonce>" (ExecutionRecord::owner), so that a later
//     process with the same pid is another owner.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_SERVER_LOCK_H_
#define HPCFLOW_ORCHESTRATOR_STORE_SERVER_LOCK_H_

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

// An open-file-description lock on one file, with the holder's pid in it.
class ProcessLock {
 public:
  // Takes the lock of `path` (creating the file 0600). Errors: "busy"
  // (another process holds it: "held by pid N"), "io".
  static Result<ProcessLock> Acquire(const std::string& path);
  ProcessLock(ProcessLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  ProcessLock& operator=(ProcessLock&&) = delete;
  // Releases the lock; `remove_file` also deletes it (owners' lock files).
  ~ProcessLock();
  void RemoveFileOnRelease() { remove_ = true; }

  // True when a process holds the lock of `path`; `pid` gets its pid.
  static bool IsHeld(const std::string& path, pid_t* pid = nullptr);

 private:
  ProcessLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  bool remove_ = false;
};

class ServerLock {
 public:
  // Takes the lock (making the state directory owner-only first, see
  // state_dir.h). Errors: "busy" ("another hpcflow server is already
  // running on DIR (pid N)"), "store" (the state directory is refused),
  // "io".
  static Result<ProcessLock> Acquire(const std::string& state_dir);
  // True when a server holds the lock of `state_dir`; `pid` gets its pid.
  static bool IsHeld(const std::string& state_dir, pid_t* pid = nullptr);
};

// A new owner name for an `hpcflow run` process: "run:<pid>-<nonce>".
std::string NewRunOwner();

// Takes the lock that says `owner` (a run owner) is alive, for this
// process's lifetime. Errors as ProcessLock::Acquire.
Result<ProcessLock> AcquireOwnerLock(const std::string& state_dir, const std::string& owner);

// True while the process that owns executions as `owner` lives: the server
// for "", the holder of the owner's lock for a run owner. For a run owner
// of an older hpcflow ("run:<pid>", no lock file), whether that pid runs.
bool IsOwnerAlive(const std::string& state_dir, const std::string& owner);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_SERVER_LOCK_H_
