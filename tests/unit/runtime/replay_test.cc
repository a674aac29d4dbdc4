// The replay property (durability): executions run by the durable runtime on
// a real store, with the fake backend, token callbacks, timers, retries,
// catches, stops and budget-cut loops; then, for every prefix of each
// execution's recorded inputs, a fresh interpreter fed that prefix (as a
// resume after a crash at that point would) must make exactly the decisions
// that were committed: the same history events, in order, with the same ids,
// times and details, and the same task requests (ids, resources,
// parameters, tokens).
#include "orchestrator/runtime/replay.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/runtime/task_token.h"
#include "tests/unit/runtime/runtime_fixture.h"

namespace hpcflow::orchestrator {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Map items that fail, retry after a timer and are caught; token tasks that
// wait for callbacks; a Parallel branch with a Wait; a choice on the results.
constexpr char kBusy[] = R"json({
  "StartAt": "Items",
  "States": {
    "Items": {
      "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
      "ItemSelector": {"kind.$": "$$.Map.Item.Value.kind", "ms.$": "$$.Map.Item.Value.ms",
                       "index.$": "$$.Map.Item.Index"},
      "ItemProcessor": {"StartAt": "Kind", "States": {
        "Kind": {"Type": "Choice", "Choices": [
          {"Variable": "$.kind", "StringEquals": "fail", "Next": "Flaky"},
          {"Variable": "$.kind", "StringEquals": "token", "Next": "Token"}],
          "Default": "Job"},
        "Job": {"Type": "Task", "Resource": "hpcflow:::job:run.sync",
          "Parameters": {"Command.$": "States.Format('fake:duration_ms={}', $.ms)"},
          "ResultSelector": {"ran.$": "$.ExitCode"}, "End": true},
        "Flaky": {"Type": "Task", "Resource": "hpcflow:::job:run.sync",
          "Parameters": {"Command": "fake:exit=3"},
          "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
          "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Caught"}],
          "End": true},
        "Caught": {"Type": "Pass", "Parameters": {"caught.$": "$.caught.Error"}, "End": true},
        "Token": {"Type": "Task", "Resource": "hpcflow:::job:run.waitForTaskToken",
          "Parameters": {"Command": "fake:duration_ms=5", "Token.$": "$$.Task.Token",
                         "Item.$": "$.index"}, "End": true}}},
      "ResultPath": "$.results", "Next": "Both"},
    "Both": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Done", "Branches": [
      {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "End": true}}},
      {"StartAt": "Count", "States": {"Count": {"Type": "Pass",
        "Parameters": {"n.$": "States.ArrayLength($.results)",
                       "id.$": "States.UUID()"}, "End": true}}}]},
    "Done": {"Type": "Succeed"}}})json";

// A Choice loop longer than one step's budget: "continue" inputs.
constexpr char kLongLoop[] = R"json({
  "StartAt": "Init",
  "States": {
    "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Test"},
    "Test": {"Type": "Choice", "Choices": [
      {"Variable": "$.i", "NumericGreaterThanEquals": 12000, "Next": "End"}],
      "Default": "Inc"},
    "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Test"},
    "End": {"Type": "Succeed"}}})json";

// Waits for a stop.
constexpr char kLong[] = R"json({
  "StartAt": "Job", "States": {
    "Job": {"Type": "Task", "Resource": "hpcflow:::job:run.sync",
      "Parameters": {"Command": "fake:hang"}, "TimeoutSeconds": 3600, "End": true}}})json";

class ReplayTest : public RuntimeFixture {
 protected:
  // Answers every open token task of `id` (success for even items, failure
  // for odd), until the execution no longer waits for any.
  void AnswerTokens(const std::string& id, int expected) {
    std::map<int64_t, bool> answered;
    ASSERT_TRUE(WaitFor([&] {
      auto open = reader_->OpenTasks(id);
      if (!open) return false;
      for (const auto& task : *open) {
        if (answered.count(task.task_id) || task.status != "running") continue;
        auto request = ParseJson(task.request);
        if (!request || !(*request)["parameters"].contains("Token")) continue;
        const Json& parameters = (*request)["parameters"];
        int item = parameters["Item"].get<int>();
        CallbackRequest callback;
        callback.token = parameters["Token"].get<std::string>();
        if (item % 2 == 0) {
          callback.kind = CallbackKind::kSuccess;
          callback.output = Json{{"item", item}};
        } else {
          callback.kind = CallbackKind::kFailure;
          callback.error = "Item.Odd";
          callback.cause = "item " + std::to_string(item);
        }
        runtime_->PostCallback(callback, [](CallbackReply) {});
        answered[task.task_id] = true;
      }
      return static_cast<int>(answered.size()) == expected;
    })) << answered.size()
        << " of " << expected << " token tasks answered";
  }

  // The property, for every prefix of the execution's inputs.
  void ExpectEveryPrefixReplaysTheCommittedDecisions(const std::string& id) {
    ExecutionRecord record = Record(id);
    auto inputs = reader_->Inputs(id);
    ASSERT_TRUE(inputs);
    auto history = reader_->History(record);
    ASSERT_TRUE(history);
    ASSERT_FALSE(inputs->empty());
    std::vector<std::string> problems;
    auto workflow = LoadWorkflowText(record.definition, record.workflow, problems);
    ASSERT_TRUE(workflow) << (problems.empty() ? "" : problems.front());

    size_t previous_events = 0;
    for (size_t prefix = 0; prefix <= inputs->size(); ++prefix) {
      SCOPED_TRACE("execution " + id + ", replaying the first " + std::to_string(prefix) + " of " +
                   std::to_string(inputs->size()) + " inputs");
      std::vector<workflows::HistoryEvent> events;
      InterpreterHooks hooks;
      hooks.make_task_token = [&](const workflows::TaskRequest& r) {
        return SignTaskToken(kSecret, TaskTokenClaims(id, r));
      };
      hooks.host_throttles = [](const std::string&) { return false; };  // fake: no arrays
      hooks.on_event = [&](const workflows::HistoryEvent& e) { events.push_back(e); };
      auto interpreter = MakeExecutionInterpreter(record, *workflow, std::move(hooks));
      for (size_t i = 0; i < prefix; ++i) {
        const InputRecord& input = (*inputs)[i];
        workflows::Effects effects = FeedInput(*interpreter, input, InputValue(input));
        for (const auto& task : effects.start_tasks) {
          auto stored = reader_->GetTask(id, static_cast<int64_t>(task.task_id));
          ASSERT_TRUE(stored && *stored) << "task " << task.task_id << " was never recorded";
          EXPECT_EQ(*ParseJson((*stored)->request), TaskRequestToJson(task))
              << "task " << task.task_id;
        }
      }
      ASSERT_LE(events.size(), history->size());
      ASSERT_GE(events.size(), previous_events);
      previous_events = events.size();
      for (size_t e = 0; e < events.size(); ++e) {
        const HistoryRow& committed = (*history)[e];
        ASSERT_EQ(events[e].id, committed.id);
        ASSERT_EQ(events[e].type, committed.type) << "event " << e;
        ASSERT_EQ(events[e].state_name, committed.state) << "event " << e;
        ASSERT_EQ(events[e].time, committed.time_ms) << "event " << e;
        ASSERT_EQ(events[e].details, committed.details) << "event " << e;
      }
      if (prefix == inputs->size()) {
        EXPECT_EQ(events.size(), history->size()) << "the whole log replays the whole history";
        EXPECT_NE(interpreter->status(), workflows::ExecutionStatus::kRunning);
      }
    }
  }
};

TEST_F(ReplayTest, EveryPrefixOfABusyExecutionReplaysItsDecisions) {
  Json items = Json::array();
  for (int i = 0; i < 8; ++i) {
    // Token item 2 succeeds, token item 7 fails (odd) and so fails the Map.
    const char* kind = i == 2 || i == 7 ? "token" : i % 4 == 1 ? "fail" : "job";
    items.push_back({{"kind", kind}, {"ms", 5 * i}});
  }
  std::string id = Start(kBusy, Json{{"items", items}});
  AnswerTokens(id, 2);
  ASSERT_TRUE(WaitFor([&] { return Record(id).status != "RUNNING"; })) << Record(id).status;
  ExecutionRecord record = Record(id);
  // Odd token items fail, and a failed item fails the Map.
  EXPECT_EQ(record.status, "FAILED") << record.cause.value_or("");
  ExpectEveryPrefixReplaysTheCommittedDecisions(id);
}

TEST_F(ReplayTest, EveryPrefixOfASucceedingExecutionReplaysItsDecisions) {
  Json items = Json::array();
  for (int i = 0; i < 6; ++i) {
    items.push_back({{"kind", i % 3 == 1 ? "fail" : i == 2 ? "token" : "job"}, {"ms", 3 * i}});
  }
  std::string id = Start(kBusy, Json{{"items", items}});
  AnswerTokens(id, 1);
  ASSERT_TRUE(WaitFor([&] { return Record(id).status != "RUNNING"; }));
  EXPECT_EQ(Record(id).status, "SUCCEEDED") << Record(id).cause.value_or("");
  ExpectEveryPrefixReplaysTheCommittedDecisions(id);
}

TEST_F(ReplayTest, ABudgetCutLoopReplaysStepByStep) {
  std::string id = Start(kLongLoop, Json::object());
  ASSERT_TRUE(WaitFor([&] { return Record(id).status != "RUNNING"; }));
  EXPECT_EQ(Record(id).status, "SUCCEEDED");
  auto inputs = reader_->Inputs(id);
  ASSERT_TRUE(inputs);
  EXPECT_GE(inputs->size(), 2u) << "the loop was not cut into steps";
  ExpectEveryPrefixReplaysTheCommittedDecisions(id);
}

TEST_F(ReplayTest, AStoppedExecutionReplaysItsStop) {
  std::string id = Start(kLong, Json::object());
  ASSERT_TRUE(WaitFor([&] {
    auto open = reader_->OpenTasks(id);
    return open && !open->empty() && open->front().status == "running";
  }));
  Status stopped = OnLoop<Status>([&] {
    return runtime_->StopExecution(id, workflows::AslError{"User.Stop", std::string("enough")});
  });
  ASSERT_TRUE(stopped) << stopped.error().cause;
  ASSERT_TRUE(WaitFor([&] { return Record(id).status == "ABORTED"; })) << Record(id).status;
  ExpectEveryPrefixReplaysTheCommittedDecisions(id);
}

}  // namespace
}  // namespace hpcflow::orchestrator
