// One thread for the runtime's blocking work (reading a child workflow's
// file, which may sit on a slow shared file system), so that the loop that
// serves every execution never waits on it.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_BACKGROUND_WORKER_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_BACKGROUND_WORKER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace hpcflow::orchestrator {

class BackgroundWorker {
 public:
  BackgroundWorker();
  // Runs what is queued, then joins.
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Runs `work` on the worker thread, in order. Thread-safe.
  void Post(std::function<void()> work);

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_BACKGROUND_WORKER_H_
