#include "orchestrator/engine/function_pool.h"

#include <atomic>
#include <exception>

namespace hpcflow::orchestrator {

// One call: what the function sees, and the once-only way its end goes
// back to the runtime.
class FunctionPool::Call : public FunctionCall {
 public:
  Call(FunctionInvocation invocation, FunctionDone done, std::shared_ptr<Gate> gate)
      : invocation_(std::move(invocation)),
        input_(DumpJson(invocation_.input)),
        done_(std::move(done)),
        gate_(std::move(gate)) {}

  const std::string& input() const override { return input_; }
  const std::string& execution_id() const override { return invocation_.execution_id; }
  const std::string& state_name() const override { return invocation_.state_name; }
  const std::string& task_token() const override { return invocation_.task_token; }
  int attempt() const override { return invocation_.attempt; }
  int64_t item_index() const override { return invocation_.item_index; }
  bool cancelled() const override { return cancelled_.load(); }

  void Succeed(std::string output) override {
    auto parsed = ParseJson(output);
    if (!parsed) {
      End(hpcflow::Fail("hpcflow.InvalidOutput",
                        "the function '" + invocation_.function +
                            "' returned text that is not JSON: " + parsed.error().cause));
      return;
    }
    End(std::move(*parsed));
  }
  void Fail(std::string error, std::string cause) override {
    End(hpcflow::Fail(error.empty() ? "hpcflow.FunctionFailed" : std::move(error),
                      std::move(cause)));
  }

  void MarkCancelled() { cancelled_.store(true); }
  const FunctionInvocation& invocation() const { return invocation_; }

 private:
  void End(Result<Json> outcome) {
    if (ended_.exchange(true) || cancelled_.load()) return;
    // An asynchronous call may end on the program's own thread after the
    // engine closed: its pool and runtime are gone then, and the task is
    // called again when the engine is opened again (at least once).
    std::lock_guard<std::mutex> lock(gate_->mutex);
    if (!gate_->open) return;
    done_(std::move(outcome));
  }

  FunctionInvocation invocation_;
  std::string input_;
  FunctionDone done_;
  std::shared_ptr<Gate> gate_;
  std::atomic<bool> ended_{false};
  std::atomic<bool> cancelled_{false};
};

FunctionPool::FunctionPool(int threads) : inline_(threads <= 0) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

FunctionPool::~FunctionPool() { Shutdown(); }

void FunctionPool::Shutdown() {
  {
    // Waits for an end being handed over, and lets no later one through.
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->open = false;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void FunctionPool::Register(const std::string& name, Function function) {
  std::lock_guard<std::mutex> lock(mutex_);
  functions_[name] = Entry{std::move(function), nullptr};
}

void FunctionPool::RegisterAsync(const std::string& name, AsyncFunction function) {
  std::lock_guard<std::mutex> lock(mutex_);
  functions_[name] = Entry{nullptr, std::move(function)};
}

std::string FunctionPool::Names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, entry] : functions_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

bool FunctionPool::Has(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return functions_.count(name) > 0;
}

void FunctionPool::Invoke(FunctionInvocation invocation, FunctionDone done) {
  std::pair<std::string, uint64_t> key{invocation.execution_id, invocation.task_id};
  // The live entry goes once the call ends, whichever way.
  auto on_end = [this, key, done = std::move(done)](Result<Json> outcome) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_.erase(key);
    }
    done(std::move(outcome));
  };
  auto call = std::make_shared<Call>(std::move(invocation), std::move(on_end), gate_);
  Job job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = functions_.find(call->invocation().function);
    if (stopping_ || it == functions_.end()) return;  // the runtime checked Has()
    live_[key] = call;
    if (!inline_) queue_.push_back(Job{it->second, call});
    job = Job{it->second, call};
  }
  if (inline_) {
    // No threads: the call runs here, on the engine's thread.
    Run(job);
    return;
  }
  wake_.notify_one();
}

void FunctionPool::Cancel(const std::string& execution_id, uint64_t task_id) {
  std::shared_ptr<Call> call;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find({execution_id, task_id});
    if (it == live_.end()) return;
    call = it->second.lock();
    live_.erase(it);
  }
  if (call) call->MarkCancelled();
}

void FunctionPool::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Run(job);
  }
}

void FunctionPool::Run(const Job& job) {
  auto* call = static_cast<Call*>(job.call.get());
  const std::string& name = call->invocation().function;
  // Exceptions stop here: a function's bug is its task's error, not the
  // engine's crash.
  try {
    if (job.entry.async) {
      job.entry.async(job.call);
      return;
    }
    Result<std::string> outcome = job.entry.sync(*call);
    if (outcome) {
      call->Succeed(std::move(*outcome));
    } else {
      call->Fail(outcome.error().name, outcome.error().cause);
    }
  } catch (const std::exception& e) {
    call->Fail("hpcflow.FunctionException",
               "the function '" + name + "' threw: " + std::string(e.what()));
  } catch (...) {
    call->Fail("hpcflow.FunctionException", "the function '" + name + "' threw");
  }
}

}  // namespace hpcflow::orchestrator
