// A durable runtime on a real store in a temporary state directory, with
// the fake backend (its jobs are timers: no processes), driven the way the
// server drives it: Run() on a loop thread, work and callbacks posted to it,
// and the store read by a second connection, as `hpcflow status` does.
#ifndef HPCFLOW_TESTS_UNIT_RUNTIME_RUNTIME_FIXTURE_H_
#define HPCFLOW_TESTS_UNIT_RUNTIME_RUNTIME_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/store/new_execution.h"

namespace hpcflow::orchestrator {

class RuntimeFixture : public ::testing::Test {
 protected:
  static constexpr char kOwner[] = "test:runtime";
  static constexpr char kSecret[] = "a test secret";

  void SetUp() override {
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "hpcflow-runtime-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    RuntimeOptions options;
    options.state_dir = dir_;
    options.owner = kOwner;
    options.token_secret = kSecret;
    options.poll_interval_ms = 10;
    Configure(options);
    auto runtime = DurableRuntime::Create(std::move(options));
    ASSERT_TRUE(runtime) << runtime.error().cause;
    runtime_ = std::move(*runtime);
    ASSERT_TRUE(runtime_->Recover());
    auto reader = ExecutionStore::Open(dir_);
    ASSERT_TRUE(reader) << reader.error().cause;
    reader_ = std::move(*reader);
    loop_ = std::thread([this] { loop_status_ = runtime_->Run(); });
  }
  void TearDown() override {
    if (runtime_) runtime_->RequestShutdown();
    if (loop_.joinable()) loop_.join();
    EXPECT_TRUE(loop_status_) << loop_status_.error().cause;
    runtime_.reset();
    reader_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A test's own options, before the runtime is made.
  virtual void Configure(RuntimeOptions& options) { (void)options; }

  // Runs `work` on the loop thread and returns what it returns.
  template <typename T>
  T OnLoop(const std::function<T()>& work) {
    std::promise<T> done;
    runtime_->Post([&] { done.set_value(work()); });
    return done.get_future().get();
  }

  // Starts an execution on the fake backend, on the loop thread, as the
  // control API does.
  std::string Start(const std::string& definition, const Json& input, bool express = false) {
    NewExecution spec;
    spec.workflow = dir_ + "/workflow.json";
    spec.definition = definition;
    spec.input = DumpJson(input);
    spec.backend = "fake";
    spec.express = express;
    spec.owner = kOwner;
    spec.workdir = dir_;
    ExecutionRecord record = NewExecutionRecord(std::move(spec));
    Status s = OnLoop<Status>([&] { return runtime_->StartExecution(record, input); });
    EXPECT_TRUE(s) << s.error().cause;
    return record.id;
  }

  // Sends one callback and waits for its answer.
  CallbackReply Callback(CallbackRequest request) {
    std::promise<CallbackReply> answered;
    runtime_->PostCallback(std::move(request),
                           [&](CallbackReply reply) { answered.set_value(std::move(reply)); });
    return answered.get_future().get();
  }

  bool WaitFor(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  ExecutionRecord Record(const std::string& id) {
    auto record = reader_->GetExecution(id);
    return record && *record ? **record : ExecutionRecord{};
  }
  size_t LiveJobs() {
    auto jobs = reader_->LiveJobs(kOwner);
    return jobs ? jobs->size() : 0;
  }

  std::string dir_;
  std::unique_ptr<DurableRuntime> runtime_;
  std::unique_ptr<ExecutionStore> reader_;
  std::thread loop_;
  Status loop_status_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_TESTS_UNIT_RUNTIME_RUNTIME_FIXTURE_H_
