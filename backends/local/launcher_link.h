// The local backend's side of the job launcher (backends/local/
// job_launcher.h): starts `hpcflow job-launcher`, hands it jobs, and hears
// when their wrappers exit.
//
// Two threads of its own: one reads the socket, one runs the callbacks, so
// that a callback may launch the next job (which waits for the reader).
// Both hold the link's state by shared_ptr and end by themselves once the
// socket closes, so the link may be dropped from any thread, a callback's
// included.
#ifndef HPCFLOW_BACKENDS_LOCAL_LAUNCHER_LINK_H_
#define HPCFLOW_BACKENDS_LOCAL_LAUNCHER_LINK_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace hpcflow::backends {

struct LauncherCallbacks {
  // A wrapper started through the link has exited (its lock is free).
  std::function<void(const std::string& job_dir)> exited;
  // The launcher died: these jobs' wrappers were started (or were being
  // started) through it and have not been seen to exit. Called once.
  std::function<void(const std::vector<std::string>& job_dirs)> lost;
};

class LauncherLink {
 public:
  // Starts `command` + the socket's descriptor number, detached. Errors
  // ("io"): the socket or the process cannot be made.
  static Result<std::unique_ptr<LauncherLink>> Start(const std::vector<std::string>& command,
                                                     LauncherCallbacks callbacks);
  ~LauncherLink();
  LauncherLink(const LauncherLink&) = delete;
  LauncherLink& operator=(const LauncherLink&) = delete;

  // Hands the job's locked `lock_fd` to a new wrapper; returns its pid. The
  // caller's `lock_fd` is closed in every case (once sent, the launcher's
  // copy holds the lock). Errors: "unsent" (the launcher is gone before it
  // got the job: the lock is free again, nothing runs), "gone" (it died
  // after: whether the wrapper runs is unknown; the job is among those
  // passed to `lost`), "io" (it could not fork: nothing runs).
  Result<pid_t> Launch(const std::string& job_dir, int lock_fd);

  // False once the launcher is gone: start a new link.
  bool alive() const;
  pid_t launcher_pid() const;

 private:
  struct Shared;
  explicit LauncherLink(std::shared_ptr<Shared> shared);
  std::shared_ptr<Shared> shared_;
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_LAUNCHER_LINK_H_
