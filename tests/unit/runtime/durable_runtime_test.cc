// The durable runtime on a real store in a temporary state directory, with
// the fake backend (its jobs are timers: no processes), driven the way the
// server drives it: Run() on a loop thread, work and callbacks posted to it.
#include "orchestrator/runtime/durable_runtime.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/store/new_execution.h"

namespace hpcflow::orchestrator {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kOwner[] = "test:runtime";

// Every item of the Map waits for its own task token; the fake job of each
// runs `job_ms` (as many at a time as the fake backend has slots) and
// ends on its own, whenever the token comes.
std::string TokenFanOut(int job_ms) {
  Json task = {{"Type", "Task"},
               {"Resource", "hpcflow:::job:run.waitForTaskToken"},
               {"Parameters",
                {{"Command", "fake:duration_ms=" + std::to_string(job_ms)},
                 {"Token.$", "$$.Task.Token"},
                 {"Item.$", "$"}}},
               {"End", true}};
  Json map = {{"Type", "Map"},
              {"ItemsPath", "$.items"},
              {"ItemProcessor", {{"StartAt", "Wait"}, {"States", {{"Wait", task}}}}},
              {"End", true}};
  return DumpJson(Json{{"StartAt", "Fan out"}, {"States", {{"Fan out", map}}}});
}

class DurableRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hpcflow-runtime-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    RuntimeOptions options;
    options.state_dir = dir_;
    options.owner = kOwner;
    options.token_secret = "a test secret";
    options.poll_interval_ms = 10;
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
    fs::remove_all(dir_, ec);
  }

  // Starts an execution on the loop thread, as the control API does.
  std::string Start(const std::string& definition, const Json& input) {
    NewExecution spec;
    spec.workflow = dir_ + "/workflow.json";
    spec.definition = definition;
    spec.input = DumpJson(input);
    spec.backend = "fake";
    spec.owner = kOwner;
    spec.workdir = dir_;
    auto record = std::make_shared<ExecutionRecord>(NewExecutionRecord(std::move(spec)));
    std::promise<Status> started;
    runtime_->Post([&] { started.set_value(runtime_->StartExecution(*record, input)); });
    Status s = started.get_future().get();
    EXPECT_TRUE(s) << s.error().cause;
    return record->id;
  }

  // Sends one callback and waits for its answer.
  CallbackReply Callback(CallbackRequest request) {
    std::promise<CallbackReply> answered;
    runtime_->PostCallback(std::move(request),
                           [&](CallbackReply reply) { answered.set_value(std::move(reply)); });
    return answered.get_future().get();
  }

  template <typename Predicate>
  bool WaitFor(Predicate done, milliseconds timeout = milliseconds(20000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return done();
  }

  std::string StatusOf(const std::string& id) {
    auto record = reader_->GetExecution(id);
    return record && *record ? (*record)->status : "";
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

// Regression: a token that ends a task while its job still runs leaves the
// job watched (detached); the job's end then closes it. OnJobEnded was
// handed a reference into the job-name map it erases from, and read the
// freed key afterwards (the server's segfault under 10,000 callbacks; the
// AddressSanitizer build reports it at once).
TEST_F(DurableRuntimeTest, TokensBeforeTheirJobsEndCloseEveryJobOnceItEnds) {
  constexpr int kItems = 20;
  Json items = Json::array();
  for (int i = 0; i < kItems; ++i) items.push_back(i);
  std::string id = Start(TokenFanOut(/*job_ms=*/300), {{"items", items}});

  std::vector<std::string> tokens;
  ASSERT_TRUE(WaitFor([&] {
    auto open = reader_->OpenTasks(id);
    if (!open || open->size() != kItems) return false;
    tokens.clear();
    for (const auto& task : *open) {
      if (task.status != "running") return false;
      auto request = ParseJson(task.request);
      if (!request) return false;
      tokens.push_back((*request)["parameters"]["Token"].get<std::string>());
    }
    return true;
  })) << "the jobs were not all submitted";
  ASSERT_EQ(LiveJobs(), static_cast<size_t>(kItems));

  for (const auto& token : tokens) {
    CallbackRequest request;
    request.kind = CallbackKind::kSuccess;
    request.token = token;
    request.output = Json{{"ok", true}};
    CallbackReply reply = Callback(request);
    EXPECT_EQ(reply.http_status, 200) << DumpJson(reply.body);
    EXPECT_EQ(reply.body["status"], "accepted") << DumpJson(reply.body);
  }
  ASSERT_TRUE(WaitFor([&] { return StatusOf(id) == "SUCCEEDED"; })) << StatusOf(id);
  // The jobs ran on after their tasks ended; each end closes its job.
  EXPECT_TRUE(WaitFor([&] { return LiveJobs() == 0; })) << LiveJobs() << " jobs still live";

  // Sent again: each is a duplicate, and changes nothing.
  for (const auto& token : tokens) {
    CallbackRequest request;
    request.kind = CallbackKind::kSuccess;
    request.token = token;
    request.output = Json{{"ok", false}};
    CallbackReply reply = Callback(request);
    EXPECT_EQ(reply.http_status, 200) << DumpJson(reply.body);
    EXPECT_EQ(reply.body["status"], "duplicate") << DumpJson(reply.body);
  }
  auto record = reader_->GetExecution(id);
  ASSERT_TRUE(record && *record);
  auto output = ParseJson((*record)->output.value_or("null"));
  ASSERT_TRUE(output);
  ASSERT_EQ(output->size(), static_cast<size_t>(kItems));
  for (const auto& item : *output) EXPECT_EQ(item, (Json{{"ok", true}}));
}

}  // namespace
}  // namespace hpcflow::orchestrator
