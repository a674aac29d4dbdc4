// The part of the job wrapper that stops a running job: at its time limit,
// and when the wrapper is asked to stop (a signal, or the cancel marker).
//
// It runs on a thread of its own, sleeping in poll() on a pipe until the
// next deadline or the next request, so the wrapper's main thread can block
// in waitid(). Requests come through the pipe because signal handlers may
// only write(2).
#ifndef HPCFLOW_BACKENDS_JOB_WATCHDOG_H_
#define HPCFLOW_BACKENDS_JOB_WATCHDOG_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "common/result.h"

namespace hpcflow::backends {

class JobWatchdog {
 public:
  // Errors ("io"): the pipe cannot be made.
  static Result<std::unique_ptr<JobWatchdog>> Create();
  ~JobWatchdog();
  JobWatchdog(const JobWatchdog&) = delete;
  JobWatchdog& operator=(const JobWatchdog&) = delete;

  // Async-signal-safe: asks to forward `sig` to the job's group (and to
  // SIGKILL it after the grace period). Requests made before Watch() wait
  // for it.
  void RequestStop(int sig);

  // Starts watching the process group `pgid`: stops it `time_limit_ms`
  // after now (0: no limit) and on requests.
  void Watch(pid_t pgid, int64_t time_limit_ms, int grace_ms);

  // Ends the watch (the job has ended) and joins the thread.
  void Finish();

  bool timed_out() const { return timed_out_; }
  // The signal of the first stop request, or 0.
  int stop_signal() const { return stop_signal_; }

 private:
  JobWatchdog(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  void Run(pid_t pgid, int64_t time_limit_ms, int grace_ms);

  int read_fd_;
  int write_fd_;
  std::thread thread_;
  std::atomic<bool> timed_out_{false};
  std::atomic<int> stop_signal_{0};
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_WATCHDOG_H_
