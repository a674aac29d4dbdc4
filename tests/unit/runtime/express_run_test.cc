// The runtime as `hpcflow run` sets it up (cli/run_execution.cc): the
// output handed over in memory, none kept in the store for a top-level
// express execution, and the callback endpoint opened with the first job.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/runtime/runtime_fixture.h"

namespace hpcflow::orchestrator {
namespace {

const char kPassMap[] = R"json({"StartAt": "Each", "States": {"Each": {
  "Type": "Map", "ItemsPath": "$.items", "End": true,
  "ItemProcessor": {"StartAt": "Double", "States": {"Double": {
    "Type": "Pass", "Parameters": {"n.$": "$", "twice.$": "States.MathAdd($, $)"},
    "End": true}}}}}})json";

const char kFakeJob[] = R"json({"StartAt": "Job", "States": {"Job": {
  "Type": "Task", "Resource": "hpcflow:::job:run.sync",
  "Parameters": {"Command": "fake:duration_ms=10"},
  "ResultSelector": {"state.$": "$.State"}, "End": true}}})json";

// Loop thread writes, test thread reads.
struct Results {
  std::mutex mutex;
  std::vector<FinishedExecution> ended;
  std::atomic<int> endpoint_opened{0};
  bool endpoint_fails = false;

  std::optional<FinishedExecution> Of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& e : ended) {
      if (e.id == id) return e;
    }
    return std::nullopt;
  }
};

class ExpressRunTest : public RuntimeFixture {
 protected:
  void Configure(RuntimeOptions& options) override {
    options.store_express_output = false;
    options.on_result = [this](FinishedExecution finished) {
      std::lock_guard<std::mutex> lock(results_.mutex);
      results_.ended.push_back(std::move(finished));
    };
    options.open_callback_endpoint = [this]() -> Result<std::string> {
      ++results_.endpoint_opened;
      if (results_.endpoint_fails) return Fail("io", "port 1 is not ours");
      return std::string("http://127.0.0.1:9/");
    };
  }
  // Before SetUp: the options are read there.
  explicit ExpressRunTest(bool endpoint_fails = false) { results_.endpoint_fails = endpoint_fails; }

  std::optional<FinishedExecution> WaitForEnd(const std::string& id) {
    std::optional<FinishedExecution> got;
    WaitFor([&] { return (got = results_.Of(id)).has_value(); });
    return got;
  }

  Results results_;
};

TEST_F(ExpressRunTest, TheOutputIsHandedOverAndNotStored) {
  std::string id = Start(kPassMap, {{"items", {1, 2, 3}}}, /*express=*/true);
  auto ended = WaitForEnd(id);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->status, workflows::ExecutionStatus::kSucceeded);
  EXPECT_EQ(ended->output,
            Json::parse(R"([{"n":1,"twice":2},{"n":2,"twice":4},{"n":3,"twice":6}])"));
  EXPECT_GT(ended->transitions, 0);
  ASSERT_TRUE(WaitFor([&] { return Record(id).status == "SUCCEEDED"; }));
  EXPECT_FALSE(Record(id).output.has_value()) << *Record(id).output;
  EXPECT_TRUE(Record(id).express);
}

TEST_F(ExpressRunTest, AStandardExecutionsOutputIsStoredAsWell) {
  std::string id = Start(kPassMap, {{"items", {5}}});
  auto ended = WaitForEnd(id);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->output, Json::parse(R"([{"n":5,"twice":10}])"));
  ASSERT_TRUE(WaitFor([&] { return Record(id).status == "SUCCEEDED"; }));
  ASSERT_TRUE(Record(id).output.has_value());
  EXPECT_EQ(Json::parse(*Record(id).output), ended->output);
}

TEST_F(ExpressRunTest, TheCallbackEndpointOpensOnceWithTheFirstJob) {
  std::string pass = Start(kPassMap, {{"items", {1}}}, /*express=*/true);
  ASSERT_TRUE(WaitForEnd(pass));
  EXPECT_EQ(results_.endpoint_opened.load(), 0) << "no job, no endpoint";
  for (int i = 0; i < 2; ++i) {
    std::string job = Start(kFakeJob, Json::object(), /*express=*/true);
    auto ended = WaitForEnd(job);
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->status, workflows::ExecutionStatus::kSucceeded);
    EXPECT_EQ(ended->output, Json::parse(R"({"state":"COMPLETED"})"));
  }
  EXPECT_EQ(results_.endpoint_opened.load(), 1);
}

class FailingEndpointTest : public ExpressRunTest {
 protected:
  FailingEndpointTest() : ExpressRunTest(/*endpoint_fails=*/true) {}
};

TEST_F(FailingEndpointTest, StopsTheLoopWithTheReason) {
  Start(kFakeJob, Json::object(), /*express=*/true);
  loop_.join();  // Run() returns on its own
  ASSERT_FALSE(loop_status_);
  EXPECT_NE(loop_status_.error().cause.find("cannot open the jobs' callback endpoint"),
            std::string::npos)
      << loop_status_.error().cause;
  EXPECT_NE(loop_status_.error().cause.find("port 1 is not ours"), std::string::npos);
  loop_status_ = {};  // seen: TearDown expects none
}

}  // namespace
}  // namespace hpcflow::orchestrator
