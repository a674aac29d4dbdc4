// The Engine's function host: the callables registered for
// hpcflow:::function:NAME, and the threads synchronous ones run on.
// Asynchronous functions are started on the same threads and end their
// task whenever they call Succeed or Fail.
#ifndef HPCFLOW_ORCHESTRATOR_ENGINE_FUNCTION_POOL_H_
#define HPCFLOW_ORCHESTRATOR_ENGINE_FUNCTION_POOL_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hpcflow/function.h"
#include "orchestrator/runtime/function_host.h"

namespace hpcflow::orchestrator {

class FunctionPool : public FunctionHost {
 public:
  // `threads` <= 0: calls run on the caller's thread (the engine's loop),
  // without a hand-over.
  explicit FunctionPool(int threads);
  ~FunctionPool() override;  // waits for the calls that run; drops queued ones

  void Register(const std::string& name, Function function);
  void RegisterAsync(const std::string& name, AsyncFunction function);
  // "a, b": for messages.
  std::string Names() const;

  bool Has(const std::string& name) const override;
  void Invoke(FunctionInvocation call, FunctionDone done) override;
  void Cancel(const std::string& execution_id, uint64_t task_id) override;

  // Stops taking calls and joins the threads (before the runtime goes).
  void Shutdown();

 private:
  struct Entry {
    Function sync;
    AsyncFunction async;
  };
  struct Job {
    Entry entry;
    std::shared_ptr<FunctionCall> call;
  };
  class Call;
  // Shared with every call: closed by Shutdown, after which a call that
  // ends (on a thread of the program's own) reports to no one.
  struct Gate {
    std::mutex mutex;
    bool open = true;
  };
  void Work();
  void Run(const Job& job);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Entry> functions_;
  std::deque<Job> queue_;
  // Calls whose task still waits, by (execution, task): cancelled() turns
  // true when the runtime cancels them.
  std::map<std::pair<std::string, uint64_t>, std::weak_ptr<Call>> live_;
  const bool inline_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_ENGINE_FUNCTION_POOL_H_
