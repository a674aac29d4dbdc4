// The embedding API as a pipeline uses it: linked only against libhpcflow
// and its public headers, on a real state directory (SQLite), with the
// real callback endpoint and local backend.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hpcflow/hpcflow.h"

namespace {

using namespace std::chrono_literals;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hpcflow-engine-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  hpcflow::EngineOptions Options() {
    hpcflow::EngineOptions options;
    options.state_dir = dir_ + "/state";
    options.hpcflow_binary = HPCFLOW_BINARY;
    return options;
  }
  std::unique_ptr<hpcflow::Engine> Open(hpcflow::EngineOptions options) {
    auto engine = hpcflow::Engine::Open(std::move(options));
    EXPECT_TRUE(engine) << engine.error().name << ": " << engine.error().cause;
    return engine ? std::move(*engine) : nullptr;
  }
  hpcflow::ExecutionInfo RunToEnd(hpcflow::Engine& engine, hpcflow::StartRequest request) {
    auto id = engine.Start(request);
    EXPECT_TRUE(id) << id.error().name << ": " << id.error().cause;
    if (!id) return {};
    auto done = engine.Wait(*id, 30s);
    EXPECT_TRUE(done) << done.error().name << ": " << done.error().cause;
    return done ? *done : hpcflow::ExecutionInfo{};
  }

  std::string dir_;
};

constexpr char kPass[] = R"json({"StartAt": "P", "States": {"P": {"Type": "Pass",
  "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true}}})json";

TEST_F(EngineTest, RunsAPassWorkflowToItsOutput) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = kPass;
  request.input = R"({"n": 21})";
  auto done = RunToEnd(*engine, request);
  EXPECT_EQ(done.status, "SUCCEEDED");
  EXPECT_EQ(done.output.value_or(""), R"({"doubled":42})");
  EXPECT_TRUE(done.succeeded());
  EXPECT_GT(done.stop_ms, 0);
  // Recorded durably: described, listed and with a history.
  auto described = engine->Describe(done.id);
  ASSERT_TRUE(described);
  EXPECT_EQ(described->input, R"({"n": 21})");
  auto history = engine->History(done.id);
  ASSERT_TRUE(history);
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->front().type, "ExecutionStarted");
  EXPECT_EQ(history->back().type, "ExecutionSucceeded");
  auto listed = engine->List();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, done.id);
}

TEST_F(EngineTest, FunctionTasksMixWithStatesAndSeeTheirCall) {
  auto options = Options();
  std::string seen_state;
  options.functions["square"] =
      [&](const hpcflow::FunctionCall& call) -> hpcflow::Result<std::string> {
    seen_state = call.state_name();
    // A real pipeline parses with its JSON library; the input here is {"x":N}.
    int x = std::stoi(call.input().substr(call.input().find(':') + 1));
    return std::string(R"({"y":)") + std::to_string(x * x) + "}";
  };
  auto engine = Open(options);
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "Sq", "States": {
    "Sq": {"Type": "Task", "Resource": "hpcflow:::function:square",
           "Parameters": {"x.$": "$.v"}, "ResultSelector": {"r.$": "$.y"}, "End": true}}})";
  request.input = R"({"v": 7})";
  auto done = RunToEnd(*engine, request);
  EXPECT_EQ(done.status, "SUCCEEDED");
  EXPECT_EQ(done.output.value_or(""), R"({"r":49})");
  EXPECT_EQ(seen_state, "Sq");
}

TEST_F(EngineTest, AFunctionsErrorIsTheTasksAslErrorForRetryAndCatch) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  std::atomic<int> calls{0};
  ASSERT_TRUE(engine->RegisterFunction(
      "flaky", [&](const hpcflow::FunctionCall& call) -> hpcflow::Result<std::string> {
        ++calls;
        if (call.attempt() < 1) return hpcflow::Fail("Pipeline.Busy", "try again");
        return hpcflow::Fail("Pipeline.BadSample", "sample 3 is empty");
      }));
  ASSERT_TRUE(engine->RegisterFunction(
      "throws", [](const hpcflow::FunctionCall&) -> hpcflow::Result<std::string> {
        throw std::runtime_error("boom");
      }));
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "F", "States": {
    "F": {"Type": "Task", "Resource": "hpcflow:::function:flaky",
          "Retry": [{"ErrorEquals": ["Pipeline.Busy"], "IntervalSeconds": 1}],
          "Catch": [{"ErrorEquals": ["Pipeline.BadSample"], "Next": "T",
                     "ResultPath": "$.caught"}], "End": true},
    "T": {"Type": "Task", "Resource": "hpcflow:::function:throws", "End": true}}})";
  auto done = RunToEnd(*engine, request);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(done.status, "FAILED");
  EXPECT_EQ(done.error.value_or(""), "hpcflow.FunctionException");
  EXPECT_NE(done.cause.value_or("").find("boom"), std::string::npos);
}

// A pipeline redrives a failed execution once the cause is fixed: the
// same id goes on, the steps that succeeded do not run again.
TEST_F(EngineTest, RedriveContinuesAFailedExecutionFromItsFailedStep) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  std::atomic<int> prepared{0};
  std::atomic<bool> fixed{false};
  ASSERT_TRUE(engine->RegisterFunction(
      "prepare", [&](const hpcflow::FunctionCall&) -> hpcflow::Result<std::string> {
        ++prepared;
        return std::string(R"({"ready":true})");
      }));
  ASSERT_TRUE(engine->RegisterFunction(
      "analyse", [&](const hpcflow::FunctionCall&) -> hpcflow::Result<std::string> {
        if (!fixed) return hpcflow::Fail("Pipeline.MissingInput", "reference not found");
        return std::string(R"({"done":true})");
      }));
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Task", "Resource": "hpcflow:::function:prepare", "Next": "Analyse",
                "ResultPath": "$.prepared"},
    "Analyse": {"Type": "Task", "Resource": "hpcflow:::function:analyse", "End": true,
                "ResultSelector": {"done.$": "$.done", "redrives.$": "$$.Execution.RedriveCount"}}}})";
  auto failed = RunToEnd(*engine, request);
  ASSERT_EQ(failed.status, "FAILED");
  EXPECT_EQ(failed.error.value_or(""), "Pipeline.MissingInput");
  fixed = true;
  ASSERT_TRUE(engine->Redrive(failed.id));
  auto done = engine->Wait(failed.id, 30s);
  ASSERT_TRUE(done) << done.error().cause;
  EXPECT_EQ(done->status, "SUCCEEDED");
  EXPECT_EQ(done->output.value_or(""), R"({"done":true,"redrives":1})");
  EXPECT_EQ(done->redrive_count, 1);
  EXPECT_EQ(prepared.load(), 1);  // the step that had succeeded kept its result
  // A succeeded execution is not redriven, and says why.
  auto again = engine->Redrive(failed.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().name, "ExecutionNotRedrivable");
  EXPECT_NE(again.error().cause.find("SUCCEEDED"), std::string::npos);
  EXPECT_EQ(engine->Redrive("nowhere").error().name, "NotFound");
}

// A state machine registered in the state directory (hpcflow register) is
// started by its name or ARN; EXPRESS registrations run express.
TEST_F(EngineTest, StartsARegisteredStateMachineByNameOrArn) {
  const std::string file = dir_ + "/sm.json";
  std::ofstream(file) << R"({"StartAt": "P", "States": {"P": {"Type": "Pass",
    "Parameters": {"machine.$": "$$.StateMachine.Name"}, "End": true}}})";
  for (const char* args : {" register Doubler ", " register Quick --type EXPRESS "}) {
    std::string command =
        std::string(HPCFLOW_BINARY) + args + file + " --state-dir " + dir_ + "/state >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.state_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Doubler";
  auto done = RunToEnd(*engine, request);
  EXPECT_EQ(done.status, "SUCCEEDED");
  EXPECT_EQ(done.output.value_or(""), R"({"machine":"Doubler"})");
  EXPECT_FALSE(done.express);
  request.state_machine = "Quick";
  EXPECT_TRUE(RunToEnd(*engine, request).express);
  request.state_machine = "Nowhere";
  auto refused = engine->Start(request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().name, "usage");
}

TEST_F(EngineTest, AsyncFunctionsEndTheirTaskFromAnotherThread) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  std::vector<std::thread> workers;
  std::mutex workers_mutex;
  ASSERT_TRUE(
      engine->RegisterAsyncFunction("later", [&](std::shared_ptr<hpcflow::FunctionCall> call) {
        std::lock_guard<std::mutex> lock(workers_mutex);
        workers.emplace_back([call] {
          std::this_thread::sleep_for(20ms);
          call->Succeed(R"({"item":)" + std::to_string(call->item_index()) + "}");
          call->Succeed(R"("ignored: only the first end counts")");
        });
      }));
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "M", "States": {"M": {"Type": "Map",
    "ItemProcessor": {"StartAt": "L", "States": {
      "L": {"Type": "Task", "Resource": "hpcflow:::function:later", "End": true}}},
    "End": true}}})";
  request.input = "[1, 2, 3]";
  auto done = RunToEnd(*engine, request);
  EXPECT_EQ(done.output.value_or(""), R"([{"item":0},{"item":1},{"item":2}])");
  std::lock_guard<std::mutex> lock(workers_mutex);
  for (auto& t : workers) t.join();
}

TEST_F(EngineTest, TokenFunctionsWaitForSendTaskSuccess) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  std::mutex mutex;
  std::string token;
  ASSERT_TRUE(engine->RegisterFunction(
      "enqueue", [&](const hpcflow::FunctionCall& call) -> hpcflow::Result<std::string> {
        std::lock_guard<std::mutex> lock(mutex);
        token = call.task_token();
        return std::string("null");
      }));
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "Q", "States": {"Q": {"Type": "Task",
    "Resource": "hpcflow:::function:enqueue.waitForTaskToken", "End": true}}})";
  auto id = engine->Start(request);
  ASSERT_TRUE(id);
  for (int i = 0; i < 500; ++i) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!token.empty()) break;
    mutex.unlock();
    std::this_thread::sleep_for(10ms);
    mutex.lock();
  }
  auto still = engine->Wait(*id, 100ms);
  ASSERT_FALSE(still);
  EXPECT_EQ(still.error().name, "Timeout");
  ASSERT_TRUE(engine->SendTaskSuccess(token, R"({"done": true})"));
  // The repeat of the report that ended it is answered as a success.
  EXPECT_TRUE(engine->SendTaskSuccess(token, R"({"done": true})"));
  auto done = engine->Wait(*id, 10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->output.value_or(""), R"({"done":true})");
  auto forged = engine->SendTaskSuccess(token + "x", "{}");
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().name, "InvalidToken");
  EXPECT_FALSE(engine->SendTaskSuccess(token, "not json"));
}

TEST_F(EngineTest, AnUnregisteredFunctionIsALocatedValidationError) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->RegisterFunction(
      "known", [](const hpcflow::FunctionCall&) -> hpcflow::Result<std::string> { return "{}"; }));
  std::string file = dir_ + "/wf.yaml";
  std::ofstream(file) << "StartAt: P\n"
                         "States:\n"
                         "  P:\n"
                         "    Type: Parallel\n"
                         "    Branches:\n"
                         "      - StartAt: A\n"
                         "        States:\n"
                         "          A:\n"
                         "            Type: Task\n"
                         "            Resource: hpcflow:::function:unknwon\n"
                         "            End: true\n"
                         "    End: true\n";
  hpcflow::StartRequest request;
  request.definition_file = file;
  auto id = engine->Start(request);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().name, "hpcflow.InvalidDefinition");
  EXPECT_NE(id.error().cause.find(file + ":10:13: /States/P/Branches/0/States/A/Resource: "
                                         "no function 'unknwon' is registered"),
            std::string::npos)
      << id.error().cause;
  EXPECT_NE(id.error().cause.find("registered: known"), std::string::npos);
  auto none = engine->List();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());  // nothing started
}

TEST_F(EngineTest, BadRequestsAreClearErrors) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  auto empty = engine->Start(request);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().name, "usage");
  request.definition = kPass;
  request.input = "{nope";
  auto bad_input = engine->Start(request);
  ASSERT_FALSE(bad_input);
  EXPECT_EQ(bad_input.error().name, "usage");
  request.input = "{}";
  request.backend = "pbs";
  auto bad_backend = engine->Start(request);
  ASSERT_FALSE(bad_backend);
  EXPECT_NE(bad_backend.error().cause.find("unknown backend 'pbs'"), std::string::npos);
  request.backend.clear();
  request.name = "nightly";
  ASSERT_TRUE(engine->Start(request));
  auto again = engine->Start(request);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().name, "ExecutionAlreadyExists");
  auto missing = engine->Describe("no-such-execution");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().name, "NotFound");
  EXPECT_FALSE(engine->RegisterFunction("a:b", nullptr));
  auto bad_name = Options();
  bad_name.name = "../x";
  auto refused = hpcflow::Engine::Open(bad_name);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().name, "usage");
}

TEST_F(EngineTest, SubscribersHearEachCommittedEvent) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
    "P": {"Type": "Pass", "End": true}}})";
  request.name = "watched";
  auto id = engine->Start(request);
  ASSERT_TRUE(id);
  std::mutex mutex;
  std::vector<std::string> types;
  auto sub = engine->Subscribe("watched", [&](const hpcflow::HistoryEvent& e) {
    std::lock_guard<std::mutex> lock(mutex);
    types.push_back(e.type);
  });
  ASSERT_TRUE(sub);
  auto done = engine->Wait(*id, 10s);
  ASSERT_TRUE(done);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front(), "WaitStateExited");
  EXPECT_EQ(types.back(), "ExecutionSucceeded");
}

// Subscribed as it starts: even a one-Pass execution, which ends within the
// Start call's own loop turn, is heard from its first event.
TEST_F(EngineTest, StartAndSubscribeHearsEveryEventFromTheFirst) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = kPass;
  request.input = R"({"n": 2})";
  std::mutex mutex;
  std::vector<std::string> types;
  auto started = engine->StartAndSubscribe(request, [&](const hpcflow::HistoryEvent& e) {
    std::lock_guard<std::mutex> lock(mutex);
    types.push_back(e.type);
  });
  ASSERT_TRUE(started) << started.error().cause;
  auto done = engine->Wait(started->execution_id, 10s);
  ASSERT_TRUE(done);
  auto history = engine->History(started->execution_id);
  ASSERT_TRUE(history);
  std::vector<std::string> recorded;
  for (const auto& e : *history) recorded.push_back(e.type);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front(), "ExecutionStarted");
  EXPECT_EQ(types, recorded);

  request.name = "taken";
  ASSERT_TRUE(engine->Start(request));
  auto refused = engine->StartAndSubscribe(request, [](const hpcflow::HistoryEvent&) {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().name, "ExecutionAlreadyExists");
}

// A handler may end its own subscription, and one it holds may outlive the
// engine; calls that wait for the engine's thread fail from a handler
// instead of waiting for themselves.
TEST_F(EngineTest, HandlersMayEndSubscriptionsWhichMayOutliveTheEngine) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
    "P": {"Type": "Pass", "End": true}}})";
  auto id = engine->Start(request);
  ASSERT_TRUE(id);
  std::mutex mutex;
  std::optional<hpcflow::Subscription> once, kept;
  int once_calls = 0, kept_calls = 0;
  std::string stop_error, wait_error;
  auto first = engine->Subscribe(*id, [&](const hpcflow::HistoryEvent&) {
    std::lock_guard<std::mutex> lock(mutex);
    ++once_calls;
    auto stopped = engine->Stop(*id);
    if (!stopped) stop_error = stopped.error().name;
    auto waited = engine->Wait(*id, 10s);
    if (!waited) wait_error = waited.error().name;
    once.reset();  // ends this very subscription while its handler runs
  });
  ASSERT_TRUE(first);
  auto second = engine->Subscribe(*id, [&](const hpcflow::HistoryEvent&) {
    std::lock_guard<std::mutex> lock(mutex);
    ++kept_calls;
  });
  ASSERT_TRUE(second);
  {
    std::lock_guard<std::mutex> lock(mutex);
    once.emplace(std::move(*first));
    kept.emplace(std::move(*second));
  }
  auto done = engine->Wait(*id, 10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "SUCCEEDED");  // the handler's Stop did nothing
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(once_calls, 1);
  EXPECT_GE(kept_calls, 3);  // WaitStateExited, PassStateEntered, ..., ExecutionSucceeded
  EXPECT_EQ(stop_error, "hpcflow.WrongThread");
  EXPECT_EQ(wait_error, "hpcflow.WrongThread");
  engine.reset();
  kept.reset();  // after its engine: nothing to end, and no crash
}

// An asynchronous call the program still holds when the engine closes
// reports to no one; the reopened engine calls the function again.
TEST_F(EngineTest, AnAsyncCallEndingAfterTheEngineClosedIsCalledAgainOnReopen) {
  std::mutex mutex;
  std::vector<std::shared_ptr<hpcflow::FunctionCall>> held;
  auto options = [&] {
    auto o = Options();
    o.async_functions["later"] = [&](std::shared_ptr<hpcflow::FunctionCall> call) {
      std::lock_guard<std::mutex> lock(mutex);
      held.push_back(std::move(call));
    };
    return o;
  };
  std::string id;
  {
    auto engine = Open(options());
    ASSERT_TRUE(engine);
    hpcflow::StartRequest request;
    request.definition = R"({"StartAt": "L", "States": {
      "L": {"Type": "Task", "Resource": "hpcflow:::function:later", "End": true}}})";
    auto started = engine->Start(request);
    ASSERT_TRUE(started);
    id = *started;
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!held.empty()) break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  std::shared_ptr<hpcflow::FunctionCall> first;
  {
    std::lock_guard<std::mutex> lock(mutex);
    ASSERT_EQ(held.size(), 1u);
    first = held.front();
  }
  first->Succeed(R"({"from": "the closed engine"})");  // no one to tell

  auto engine = Open(options());
  ASSERT_TRUE(engine);
  std::shared_ptr<hpcflow::FunctionCall> again;
  for (int i = 0; i < 500 && !again; ++i) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (held.size() == 2) again = held.back();
    }
    if (!again) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(again) << "the reopened engine did not call the function again";
  again->Succeed(R"({"from": "the reopened engine"})");
  auto done = engine->Wait(id, 10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->output.value_or(""), R"({"from":"the reopened engine"})");
}

TEST_F(EngineTest, StopAbortsARunningExecution) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 3600, "End": true}}})";
  auto id = engine->Start(request);
  ASSERT_TRUE(id);
  ASSERT_TRUE(engine->Stop(*id, "Pipeline.Cancelled", "the user changed their mind"));
  auto done = engine->Wait(*id, 10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "ABORTED");
  EXPECT_EQ(done->error.value_or(""), "Pipeline.Cancelled");
  EXPECT_TRUE(engine->Stop(*id));  // stopping an ended one changes nothing
}

TEST_F(EngineTest, RunsJobsOnTheLocalBackend) {
  auto engine = Open(Options());
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "J", "States": {"J": {"Type": "Task",
    "Resource": "hpcflow:::local:run.sync",
    "Parameters": {"Command": "printf '{\"from\":\"job\"}' > \"$HPCFLOW_RESULT\""},
    "ResultSelector": {"r.$": "$.Result"}, "End": true}}})";
  auto done = RunToEnd(*engine, request);
  EXPECT_EQ(done.status, "SUCCEEDED") << done.cause.value_or("");
  EXPECT_EQ(done.output.value_or(""), R"({"r":{"from":"job"}})");
}

TEST_F(EngineTest, OneProcessAtATimeHasAName) {
  auto first = Open(Options());
  ASSERT_TRUE(first);
  auto second = hpcflow::Engine::Open(Options());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().name, "busy");
  auto other = Options();
  other.name = "other";
  EXPECT_TRUE(hpcflow::Engine::Open(other));
}

TEST_F(EngineTest, ReopeningResumesWhatTheEngineLeftRunningAndCallsFunctionsAgain) {
  std::string id;
  std::atomic<int> first_calls{0};
  {
    auto options = Options();
    // Starts the work and never ends it: the engine closes meanwhile.
    options.async_functions["slow"] = [&](std::shared_ptr<hpcflow::FunctionCall>) {
      ++first_calls;
    };
    auto engine = Open(options);
    ASSERT_TRUE(engine);
    hpcflow::StartRequest request;
    request.definition = R"({"StartAt": "S", "States": {
      "S": {"Type": "Task", "Resource": "hpcflow:::function:slow", "Next": "P"},
      "P": {"Type": "Pass", "Result": "after", "End": true}}})";
    auto started = engine->Start(request);
    ASSERT_TRUE(started);
    id = *started;
    for (int i = 0; i < 500 && first_calls.load() == 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(first_calls.load(), 1);
  }
  auto options = Options();
  std::atomic<int> second_calls{0};
  options.functions["slow"] = [&](const hpcflow::FunctionCall&) -> hpcflow::Result<std::string> {
    ++second_calls;
    return std::string("{}");
  };
  auto engine = Open(options);
  ASSERT_TRUE(engine);
  auto done = engine->Wait(id, 10s);
  ASSERT_TRUE(done) << done.error().cause;
  EXPECT_EQ(done->status, "SUCCEEDED");
  EXPECT_EQ(done->output.value_or(""), R"("after")");
  EXPECT_EQ(second_calls.load(), 1);
}

}  // namespace

namespace {

// Express executions do not commit the steps between function tasks; the
// result, the transitions and the final record must be the same as durable.
TEST_F(EngineTest, ExpressFunctionLoopsOnTheEngineThreadGiveTheDurableResult) {
  auto options = Options();
  options.function_threads = 0;  // on the engine's own thread
  options.functions["inc"] = [](const hpcflow::FunctionCall& call) -> hpcflow::Result<std::string> {
    int i = std::stoi(call.input().substr(call.input().find(':') + 1));
    return std::string(R"({"i":)") + std::to_string(i + 1) + "}";
  };
  auto engine = Open(options);
  ASSERT_TRUE(engine);
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "Inc", "States": {
    "Inc": {"Type": "Task", "Resource": "hpcflow:::function:inc", "Next": "More"},
    "More": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 50,
             "Next": "Inc"}], "Default": "Done"},
    "Done": {"Type": "Succeed"}}})";
  request.input = R"({"i": 0})";
  request.express = true;
  auto express = RunToEnd(*engine, request);
  request.express = false;
  auto durable = RunToEnd(*engine, request);
  EXPECT_EQ(express.status, "SUCCEEDED");
  EXPECT_EQ(express.output.value_or(""), R"({"i":50})");
  EXPECT_EQ(express.output, durable.output);
  EXPECT_EQ(express.transitions, durable.transitions);
  auto history = engine->History(express.id);
  ASSERT_TRUE(history);
  EXPECT_TRUE(history->empty());  // express: no history
}

}  // namespace
