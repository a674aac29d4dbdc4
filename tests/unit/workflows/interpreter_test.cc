// Drives workflows::Interpreter directly: synthetic task and timer events,
// a clock that is just a number. No host, no I/O.
#include "workflows/interpreter.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/time_format.h"
#include "workflows/definition.h"
#include "workflows/diagnostics.h"

namespace hpcflow::workflows {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

Json J(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.has_value()) << text << "\n" << (parsed ? "" : parsed.error().cause);
  return parsed ? *parsed : Json();
}

std::shared_ptr<const Definition> Def(std::string_view text) {
  Diagnostics diags;
  auto definition = ParseDefinition(J(text), diags);
  std::string problems;
  for (const auto& d : diags.items()) problems += d.pointer + ": " + d.message + "\n";
  EXPECT_NE(definition, nullptr) << problems;
  return definition;
}

ExecutionInfo Info(uint64_t seed = 1) {
  ExecutionInfo info;
  info.id = "exec-1";
  info.name = "run-1";
  info.state_machine_id = "sm-id";
  info.state_machine_name = "sm";
  info.role_arn = "role";
  info.random_seed = seed;
  return info;
}

std::unique_ptr<Interpreter> Make(std::string_view definition, Interpreter::Options options = {},
                                  uint64_t seed = 1) {
  return std::make_unique<Interpreter>(Def(definition), Info(seed), std::move(options));
}

// Runs a workflow that needs no task or timer: it must end inside Start.
std::unique_ptr<Interpreter> RunSync(std::string_view definition, std::string_view input = "{}",
                                     Interpreter::Options options = {}) {
  auto interp = Make(definition, std::move(options));
  Effects effects = interp->Start(J(input), kT0);
  EXPECT_TRUE(effects.start_tasks.empty());
  EXPECT_TRUE(effects.start_timers.empty());
  EXPECT_NE(interp->status(), ExecutionStatus::kRunning);
  return interp;
}

std::string Status(const Interpreter& interp) { return ExecutionStatusName(interp.status()); }

// "SUCCEEDED <output>" or "<STATUS> <error>: <cause>".
std::string Outcome(const Interpreter& interp) {
  if (interp.status() == ExecutionStatus::kSucceeded) {
    return "SUCCEEDED " + DumpJson(interp.output());
  }
  return Status(interp) + " " + interp.error().name + ": " + interp.error().cause.value_or("");
}

const TaskRequest& OnlyTask(const Effects& effects) {
  EXPECT_EQ(effects.start_tasks.size(), 1u);
  static const TaskRequest kNone;
  return effects.start_tasks.empty() ? kNone : effects.start_tasks.front();
}

// The one timer requested for `fire_at`.
const TimerRequest& TimerAt(const Effects& effects, TimeMs fire_at) {
  static const TimerRequest kNone;
  const TimerRequest* found = &kNone;
  int matches = 0;
  for (const auto& t : effects.start_timers) {
    if (t.fire_at == fire_at) {
      found = &t;
      ++matches;
    }
  }
  EXPECT_EQ(matches, 1) << "timers due at " << fire_at;
  return *found;
}

const TimerRequest& OnlyTimer(const Effects& effects) {
  EXPECT_EQ(effects.start_timers.size(), 1u);
  static const TimerRequest kNone;
  return effects.start_timers.empty() ? kNone : effects.start_timers.front();
}

bool Contains(const std::vector<uint64_t>& ids, uint64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// An event's details (JSON text), parsed; null when it has none.
Json Details(const HistoryEvent& event) {
  return event.details.empty() ? Json() : J(event.details);
}

// A comparable record of everything an interpreter asked for.
Json EffectsJson(const Effects& e) {
  Json tasks = Json::array();
  for (const auto& t : e.start_tasks) {
    tasks.push_back({{"id", t.task_id},
                     {"state", t.state_name},
                     {"resource", t.resource},
                     {"parameters", t.parameters},
                     {"attempt", t.attempt},
                     {"item", t.map_item_index},
                     {"timeout", t.timeout_seconds ? Json(*t.timeout_seconds) : Json()},
                     {"heartbeat", t.heartbeat_seconds ? Json(*t.heartbeat_seconds) : Json()},
                     {"token", t.task_token}});
  }
  Json timers = Json::array();
  for (const auto& t : e.start_timers) timers.push_back({t.timer_id, t.fire_at});
  return {{"start_tasks", tasks},
          {"cancel_tasks", e.cancel_tasks},
          {"start_timers", timers},
          {"cancel_timers", e.cancel_timers}};
}

// ===========================================================================
// Data flow through Pass, Choice, Succeed and Fail.

TEST(InterpreterDataFlowTest, InputPathParametersResultPathOutputPath) {
  auto interp = RunSync(R"({
    "StartAt": "Select",
    "States": {
      "Select": {"Type": "Pass", "InputPath": "$.data",
                 "Parameters": {"x.$": "$.x", "fixed": 1, "state.$": "$$.State.Name"},
                 "ResultPath": "$.result", "Next": "Discard"},
      "Discard": {"Type": "Pass", "Result": {"ignored": true}, "ResultPath": null,
                  "Next": "Nest"},
      "Nest": {"Type": "Pass", "Result": "deep", "ResultPath": "$.a.b.c", "Next": "Pick"},
      "Pick": {"Type": "Pass", "OutputPath": "$.a.b", "Next": "Replace"},
      "Replace": {"Type": "Pass", "Parameters": {"c.$": "$.c", "all.$": "$"},
                  "ResultPath": "$", "End": true}
    }
  })",
                        R"({"data": {"x": 5}, "keep": true})");
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"c":"deep","all":{"c":"deep"}})");
}

TEST(InterpreterDataFlowTest, ResultPathKeepsTheRawInput) {
  // ResultPath writes into the state's raw input, not its InputPath selection.
  auto interp = RunSync(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "InputPath": "$.data",
            "Parameters": {"x.$": "$.x", "state.$": "$$.State.Name"},
            "ResultPath": "$.result", "Next": "B"},
      "B": {"Type": "Pass", "Result": {"r": 1}, "ResultPath": null, "End": true}
    }
  })",
                        R"({"data": {"x": 5}, "keep": true})");
  EXPECT_EQ(Outcome(*interp),
            R"(SUCCEEDED {"data":{"x":5},"keep":true,"result":{"x":5,"state":"A"}})");
}

TEST(InterpreterDataFlowTest, NullPaths) {
  // InputPath null: the state sees {}; OutputPath null: it passes on {}.
  auto interp = RunSync(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "InputPath": null, "Parameters": {"seen.$": "$"},
            "Next": "B"},
      "B": {"Type": "Pass", "Parameters": {"carried.$": "$.seen"}, "Next": "C"},
      "C": {"Type": "Pass", "OutputPath": null, "End": true}
    }
  })",
                        R"({"InputValue": 0})");
  EXPECT_EQ(Outcome(*interp), "SUCCEEDED {}");

  auto carried = RunSync(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "InputPath": null, "Parameters": {"seen.$": "$"}, "End": true}
    }
  })",
                         R"({"InputValue": 0})");
  EXPECT_EQ(Outcome(*carried), R"(SUCCEEDED {"seen":{}})");
}

TEST(InterpreterDataFlowTest, NestedResultPathCreatesObjectsAndReplacesValues) {
  auto interp = RunSync(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.new.deeper.value", "Next": "B"},
      "B": {"Type": "Pass", "Result": [2], "ResultPath": "$.old", "Next": "C"},
      "C": {"Type": "Pass", "Result": "x", "ResultPath": "$.list[1]", "End": true}
    }
  })",
                        R"({"old": "replaced", "list": [0, 1]})");
  EXPECT_EQ(Outcome(*interp),
            R"(SUCCEEDED {"old":[2],"list":[0,"x"],"new":{"deeper":{"value":1}}})");
}

TEST(InterpreterDataFlowTest, ChoiceRoutesAndFiltersItsOutput) {
  const char* definition = R"({
    "StartAt": "Route",
    "States": {
      "Route": {"Type": "Choice", "InputPath": "$.in", "OutputPath": "$.payload",
                "Choices": [
                  {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
                  {"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 0},
                           {"Variable": "$.n", "NumericLessThanEquals": 10}],
                   "Next": "Small"}],
                "Default": "Negative"},
      "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.kind", "End": true},
      "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.kind", "End": true},
      "Negative": {"Type": "Succeed", "OutputPath": "$.v"}
    }
  })";
  EXPECT_EQ(Outcome(*RunSync(definition, R"({"in": {"n": 11, "payload": {"v": 1}}})")),
            R"(SUCCEEDED {"v":1,"kind":"big"})");
  EXPECT_EQ(Outcome(*RunSync(definition, R"({"in": {"n": 10, "payload": {"v": 2}}})")),
            R"(SUCCEEDED {"v":2,"kind":"small"})");
  EXPECT_EQ(Outcome(*RunSync(definition, R"({"in": {"n": -1, "payload": {"v": 3}}})")),
            "SUCCEEDED 3");
}

TEST(InterpreterDataFlowTest, ChoiceWithoutMatchOrDefaultFails) {
  auto interp = RunSync(R"({
    "StartAt": "Route",
    "States": {
      "Route": {"Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}]},
      "Done": {"Type": "Succeed"}
    }
  })",
                        R"({"n": 2})");
  EXPECT_EQ(interp->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(interp->error().name, "States.NoChoiceMatched");
}

TEST(InterpreterDataFlowTest, FailStateReportsItsErrorAndCause) {
  auto literal = RunSync(R"({
    "StartAt": "F",
    "States": {"F": {"Type": "Fail", "Error": "MyError", "Cause": "it broke"}}
  })");
  EXPECT_EQ(Outcome(*literal), "FAILED MyError: it broke");
  EXPECT_TRUE(literal->output().is_null());

  auto paths = RunSync(R"j({
    "StartAt": "F",
    "States": {"F": {"Type": "Fail", "ErrorPath": "$.e",
                     "CausePath": "States.Format('code {}', $.code)"}}
  })j",
                       R"({"e": "Dynamic", "code": 42})");
  EXPECT_EQ(Outcome(*paths), "FAILED Dynamic: code 42");
}

TEST(InterpreterDataFlowTest, PathErrorsAreRuntimeErrorsWithAwsWording) {
  // Corpus: paths/invalid_jsonpath_ST.INVALID_JSONPATH_IN_INPUTPATH.
  auto missing = RunSync(R"({
    "StartAt": "pass",
    "States": {"pass": {"Type": "Pass", "InputPath": "$.NoSuchInputPath", "End": true}}
  })",
                         R"({"int-literal": 0})");
  EXPECT_EQ(Outcome(*missing),
            "FAILED States.Runtime: An error occurred while executing the state 'pass' (entered "
            "at the event id #2). Invalid path '$.NoSuchInputPath' : No results for path: "
            "$['NoSuchInputPath']");

  auto through_string = RunSync(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "Next": "B"},
      "B": {"Type": "Pass", "Result": 1, "ResultPath": "$.s.x", "End": true}
    }
  })",
                                R"({"s": "text"})");
  EXPECT_EQ(through_string->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(through_string->error().name, "States.Runtime");
  EXPECT_EQ(
      through_string->error().cause.value_or("").rfind(
          "An error occurred while executing the state 'B' (entered at the event id #4). ", 0),
      0u)
      << through_string->error().cause.value_or("");

  auto parameters = RunSync(R"({
    "StartAt": "A",
    "States": {"A": {"Type": "Pass", "Parameters": {"v.$": "$.nope"}, "End": true}}
  })",
                            R"({"yes": 1})");
  EXPECT_EQ(Outcome(*parameters),
            "FAILED States.Runtime: An error occurred while executing the state 'A' (entered at "
            "the event id #2). The JSONPath '$.nope' specified for the field 'v.$' could not be "
            R"(found in the input '{"yes":1}')");
}

// ===========================================================================
// Task states.

constexpr const char* kOneTask = R"({
  "StartAt": "T",
  "States": {
    "T": {"Type": "Task", "Resource": "hpcflow:::job:run.sync",
          "Parameters": {"Command.$": "$.cmd", "State.$": "$$.State.Name", "Cpus": 2},
          "ResultSelector": {"code.$": "$.ExitCode", "sm.$": "$$.StateMachine.Name"},
          "ResultPath": "$.job", "Next": "After"},
    "After": {"Type": "Pass", "OutputPath": "$.job", "End": true}
  }
})";

TEST(InterpreterTaskTest, EmitsARequestWithEvaluatedParametersAndWaits) {
  auto interp = Make(kOneTask);
  Effects effects = interp->Start(J(R"({"cmd": "hostname"})"), kT0);
  const TaskRequest& task = OnlyTask(effects);
  EXPECT_NE(task.task_id, 0u);
  EXPECT_EQ(task.state_name, "T");
  EXPECT_EQ(task.resource, "hpcflow:::job:run.sync");
  EXPECT_EQ(task.parameters, J(R"({"Command": "hostname", "State": "T", "Cpus": 2})"));
  EXPECT_EQ(task.attempt, 0);
  EXPECT_EQ(task.map_item_index, -1);
  EXPECT_TRUE(task.task_token.empty());
  EXPECT_TRUE(effects.cancel_tasks.empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);
  EXPECT_EQ(interp->RunningTasks(), std::vector<uint64_t>{task.task_id});

  Effects done =
      interp->OnTaskSucceeded(task.task_id, J(R"({"ExitCode": 0, "Other": 1})"), kT0 + 500);
  EXPECT_TRUE(done.start_tasks.empty());
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"code":0,"sm":"sm"})");
  EXPECT_TRUE(interp->RunningTasks().empty());
  EXPECT_EQ(interp->transitions(), 2);
}

TEST(InterpreterTaskTest, WithoutParametersTheEffectiveInputIsSent) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "InputPath": "$.job", "End": true}}
  })");
  Effects effects = interp->Start(J(R"({"job": {"Command": ["true"]}, "other": 1})"), kT0);
  EXPECT_EQ(OnlyTask(effects).parameters, J(R"({"Command": ["true"]})"));
  // Without ResultPath the task's result is the state's output.
  interp->OnTaskSucceeded(OnlyTask(effects).task_id, J("[1,2]"), kT0 + 1);
  EXPECT_EQ(Outcome(*interp), "SUCCEEDED [1,2]");
}

TEST(InterpreterTaskTest, FailureWithoutHandlersFailsTheExecution) {
  auto interp = Make(kOneTask);
  Effects effects = interp->Start(J(R"({"cmd": "false"})"), kT0);
  Effects failed = interp->OnTaskFailed(OnlyTask(effects).task_id,
                                        AslError{"States.TaskFailed", "exit code 1"}, kT0 + 10);
  EXPECT_TRUE(failed.start_tasks.empty());
  EXPECT_EQ(Outcome(*interp), "FAILED States.TaskFailed: exit code 1");
  EXPECT_TRUE(interp->output().is_null());
}

TEST(InterpreterTaskTest, UnknownAndRepeatedCompletionsChangeNothing) {
  auto interp = Make(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Task", "Resource": "r", "Next": "B"},
      "B": {"Type": "Task", "Resource": "r", "End": true}
    }
  })");
  uint64_t a = OnlyTask(interp->Start(J("{}"), kT0)).task_id;
  EXPECT_TRUE(interp->OnTaskSucceeded(a + 100, J("1"), kT0 + 1).empty());
  EXPECT_TRUE(interp->OnTaskFailed(a + 100, AslError{"E", std::nullopt}, kT0 + 1).empty());
  EXPECT_TRUE(interp->OnTimerFired(12345, kT0 + 1).empty());
  EXPECT_TRUE(interp->OnTaskHeartbeat(a + 100, kT0 + 1).empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);

  uint64_t b = OnlyTask(interp->OnTaskSucceeded(a, J(R"({"from": "A"})"), kT0 + 2)).task_id;
  EXPECT_NE(a, b);
  // A late duplicate callback for A neither restarts B nor fails the run.
  EXPECT_TRUE(interp->OnTaskSucceeded(a, J(R"({"dup": true})"), kT0 + 3).empty());
  EXPECT_TRUE(interp->OnTaskFailed(a, AslError{"Late", std::nullopt}, kT0 + 3).empty());
  EXPECT_EQ(interp->RunningTasks(), std::vector<uint64_t>{b});
  interp->OnTaskSucceeded(b, J(R"({"from": "B"})"), kT0 + 4);
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"from":"B"})");
  // After the end, everything is ignored.
  EXPECT_TRUE(interp->OnTaskSucceeded(b, J("{}"), kT0 + 5).empty());
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"from":"B"})");
}

// ===========================================================================
// Retry.

TEST(InterpreterRetryTest, IntervalAndBackoffSetTheTimers) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Parameters": {"try.$": "$$.State.RetryCount"},
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "BackoffRate": 3,
                       "MaxAttempts": 3}]}
    }
  })");
  TaskRequest task = OnlyTask(interp->Start(J("{}"), kT0));
  EXPECT_EQ(task.attempt, 0);
  EXPECT_EQ(task.parameters, J(R"({"try": 0})"));
  TimeMs now = kT0;
  const TimeMs expected_delays[] = {2000, 6000, 18000};
  std::set<uint64_t> ids{task.task_id};
  for (int retry = 0; retry < 3; ++retry) {
    now += 100;
    Effects failed = interp->OnTaskFailed(task.task_id, AslError{"Flaky", "try again"}, now);
    EXPECT_TRUE(failed.start_tasks.empty()) << retry;
    TimerRequest timer = OnlyTimer(failed);
    EXPECT_EQ(timer.fire_at, now + expected_delays[retry]) << retry;
    EXPECT_TRUE(interp->RunningTasks().empty());
    now = timer.fire_at;
    task = OnlyTask(interp->OnTimerFired(timer.timer_id, now));
    EXPECT_EQ(task.attempt, retry + 1);
    EXPECT_EQ(task.parameters, Json({{"try", retry + 1}}));
    EXPECT_TRUE(ids.insert(task.task_id).second) << "task ids must not be reused";
  }
  Effects last = interp->OnTaskFailed(task.task_id, AslError{"Flaky", "gave up"}, now + 1);
  EXPECT_TRUE(last.start_timers.empty());
  EXPECT_EQ(Outcome(*interp), "FAILED Flaky: gave up");
}

TEST(InterpreterRetryTest, DefaultsAndMaxDelaySeconds) {
  auto delays = [](const char* retrier, int failures) {
    auto interp = Make(std::string(R"({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "r", "End": true, "Retry": [)") +
                       retrier + "]}}}");
    TaskRequest task = OnlyTask(interp->Start(J("{}"), kT0));
    std::vector<TimeMs> out;
    TimeMs now = kT0;
    for (int i = 0; i < failures && interp->status() == ExecutionStatus::kRunning; ++i) {
      Effects failed = interp->OnTaskFailed(task.task_id, AslError{"E", std::nullopt}, now);
      if (failed.start_timers.empty()) break;
      out.push_back(failed.start_timers[0].fire_at - now);
      now = failed.start_timers[0].fire_at;
      task = OnlyTask(interp->OnTimerFired(failed.start_timers[0].timer_id, now));
    }
    return out;
  };
  // ASL defaults: IntervalSeconds 1, BackoffRate 2.0, MaxAttempts 3.
  EXPECT_EQ(delays(R"({"ErrorEquals": ["E"]})", 10), (std::vector<TimeMs>{1000, 2000, 4000}));
  EXPECT_EQ(delays(R"({"ErrorEquals": ["E"], "IntervalSeconds": 10, "BackoffRate": 10,
                       "MaxAttempts": 4, "MaxDelaySeconds": 50})",
                   10),
            (std::vector<TimeMs>{10000, 50000, 50000, 50000}));
  EXPECT_EQ(delays(R"({"ErrorEquals": ["E"], "BackoffRate": 1.5, "IntervalSeconds": 2,
                       "MaxAttempts": 3})",
                   10),
            (std::vector<TimeMs>{2000, 3000, 4500}));
  EXPECT_EQ(delays(R"({"ErrorEquals": ["E"], "MaxAttempts": 0})", 10), std::vector<TimeMs>{});
  EXPECT_EQ(delays(R"({"ErrorEquals": ["Other"]})", 10), std::vector<TimeMs>{});
}

TEST(InterpreterRetryTest, EachRetrierCountsItsOwnAttempts) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Retry": [{"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 1},
                      {"ErrorEquals": ["B"], "MaxAttempts": 2, "IntervalSeconds": 5}]}
    }
  })");
  TaskRequest task = OnlyTask(interp->Start(J("{}"), kT0));
  TimeMs now = kT0;
  auto fail = [&](const char* error, TimeMs want_delay) {
    Effects failed = interp->OnTaskFailed(task.task_id, AslError{error, std::nullopt}, now);
    TimerRequest timer = OnlyTimer(failed);
    EXPECT_EQ(timer.fire_at - now, want_delay) << error;
    now = timer.fire_at;
    task = OnlyTask(interp->OnTimerFired(timer.timer_id, now));
  };
  fail("A", 1000);
  fail("B", 5000);
  fail("B", 10000);  // B's second attempt backs off from its own count
  EXPECT_EQ(task.attempt, 3);
  // A is exhausted: no retry, even though B's retrier would not match anyway.
  Effects last = interp->OnTaskFailed(task.task_id, AslError{"A", std::nullopt}, now);
  EXPECT_TRUE(last.start_timers.empty());
  EXPECT_EQ(interp->error().name, "A");
}

TEST(InterpreterRetryTest, AnExhaustedRetrierDoesNotFallThroughToLaterOnes) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Retry": [{"ErrorEquals": ["A"], "MaxAttempts": 1},
                      {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}]}
    }
  })");
  TaskRequest task = OnlyTask(interp->Start(J("{}"), kT0));
  Effects first = interp->OnTaskFailed(task.task_id, AslError{"A", std::nullopt}, kT0);
  task = OnlyTask(interp->OnTimerFired(OnlyTimer(first).timer_id, kT0 + 1000));
  Effects second = interp->OnTaskFailed(task.task_id, AslError{"A", std::nullopt}, kT0 + 2000);
  EXPECT_TRUE(second.start_timers.empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kFailed);
}

TEST(InterpreterRetryTest, RetriesExhaustedThenCaught) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "Next": "Ok",
            "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["E"], "Next": "Caught"}]},
      "Ok": {"Type": "Succeed"},
      "Caught": {"Type": "Pass", "Result": "caught", "End": true}
    }
  })");
  TaskRequest task = OnlyTask(interp->Start(J("{}"), kT0));
  Effects first = interp->OnTaskFailed(task.task_id, AslError{"E", std::nullopt}, kT0);
  task = OnlyTask(interp->OnTimerFired(OnlyTimer(first).timer_id, kT0 + 1000));
  interp->OnTaskFailed(task.task_id, AslError{"E", std::nullopt}, kT0 + 2000);
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED "caught")");
}

// ===========================================================================
// Catch.

TEST(InterpreterCatchTest, CatchWritesTheErrorAtResultPathAndAssigns) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Catch": [{"ErrorEquals": ["Other"], "Next": "Wrong"},
                      {"ErrorEquals": ["X", "Boom"], "ResultPath": "$.err", "Next": "Handler",
                       "Assign": {"caught.$": "$.Error", "why.$": "$.Cause",
                                  "orig.$": "$$.Execution.Input.id"}}]},
      "Handler": {"Type": "Pass", "End": true,
                  "Parameters": {"in.$": "$", "caught.$": "$caught", "why.$": "$why",
                                 "orig.$": "$orig"}},
      "Wrong": {"Type": "Fail", "Error": "Wrong"}
    }
  })");
  TaskRequest task = OnlyTask(interp->Start(J(R"({"id": 7})"), kT0));
  interp->OnTaskFailed(task.task_id, AslError{"Boom", "bad thing"}, kT0 + 1);
  EXPECT_EQ(interp->output(), J(R"({"in": {"id": 7, "err": {"Error": "Boom", "Cause": "bad thing"}},
                                    "caught": "Boom", "why": "bad thing", "orig": 7})"));
}

TEST(InterpreterCatchTest, DefaultResultPathReplacesAndNullKeepsTheInput) {
  const char* definition = R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Catch": [{"ErrorEquals": ["Keep"], "ResultPath": null, "Next": "Done"},
                      {"ErrorEquals": ["States.ALL"], "Next": "Done"}]},
      "Done": {"Type": "Succeed"}
    }
  })";
  auto replace = Make(definition);
  replace->OnTaskFailed(OnlyTask(replace->Start(J(R"({"a": 1})"), kT0)).task_id,
                        AslError{"Anything", std::nullopt}, kT0);
  // Without a cause there is no Cause field.
  EXPECT_EQ(Outcome(*replace), R"(SUCCEEDED {"Error":"Anything"})");

  auto keep = Make(definition);
  keep->OnTaskFailed(OnlyTask(keep->Start(J(R"({"a": 1})"), kT0)).task_id, AslError{"Keep", "c"},
                     kT0);
  EXPECT_EQ(Outcome(*keep), R"(SUCCEEDED {"a":1})");
}

TEST(InterpreterCatchTest, StatesAllDoesNotCatchRuntimeErrors) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Parameters": {"x.$": "$.missing"},
            "Retry": [{"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
      "Caught": {"Type": "Succeed"}
    }
  })");
  Effects effects = interp->Start(J("{}"), kT0);
  EXPECT_TRUE(effects.start_tasks.empty());
  EXPECT_TRUE(effects.start_timers.empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(interp->error().name, "States.Runtime");

  // Nor a runtime error in ResultSelector, after the task succeeded.
  auto after = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "ResultSelector": {"x.$": "$.missing"},
            "Retry": [{"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
      "Caught": {"Type": "Succeed"}
    }
  })");
  Effects done = after->OnTaskSucceeded(OnlyTask(after->Start(J("{}"), kT0)).task_id,
                                        J(R"({"present": 1})"), kT0);
  EXPECT_TRUE(done.start_timers.empty());
  EXPECT_EQ(after->error().name, "States.Runtime");
}

TEST(InterpreterCatchTest, StatesAllCatchesOrdinaryAndTimeoutErrors) {
  for (const char* error : {"States.TaskFailed", "States.Timeout", "Custom.Error"}) {
    auto interp = Make(R"({
      "StartAt": "T",
      "States": {
        "T": {"Type": "Task", "Resource": "r", "End": true,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "OutputPath": "$.Error", "End": true}
      }
    })");
    interp->OnTaskFailed(OnlyTask(interp->Start(J("{}"), kT0)).task_id,
                         AslError{error, std::nullopt}, kT0);
    EXPECT_EQ(Outcome(*interp), std::string("SUCCEEDED \"") + error + "\"");
  }
}

// ===========================================================================
// Timeouts and heartbeats.

TEST(InterpreterTimeoutTest, TaskTimeoutCancelsTheTaskAndFails) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 30, "End": true}}
  })");
  Effects start = interp->Start(J("{}"), kT0);
  const TaskRequest& task = OnlyTask(start);
  EXPECT_EQ(task.timeout_seconds, std::optional<double>(30));
  TimerRequest timer = OnlyTimer(start);
  EXPECT_EQ(timer.fire_at, kT0 + 30'000);

  Effects fired = interp->OnTimerFired(timer.timer_id, timer.fire_at);
  EXPECT_EQ(fired.cancel_tasks, std::vector<uint64_t>{task.task_id});
  EXPECT_EQ(interp->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(interp->error().name, "States.Timeout");
  // The job's late result changes nothing.
  EXPECT_TRUE(interp->OnTaskSucceeded(task.task_id, J("{}"), timer.fire_at + 1).empty());
  EXPECT_EQ(interp->error().name, "States.Timeout");
}

TEST(InterpreterTimeoutTest, TimeoutCanBeCaughtAndIsCancelledOnSuccess) {
  const char* definition = R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "TimeoutSecondsPath": "$.limit", "End": true,
            "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}]},
      "Late": {"Type": "Pass", "Result": "late", "End": true}
    }
  })";
  auto caught = Make(definition);
  Effects start = caught->Start(J(R"({"limit": 7})"), kT0);
  EXPECT_EQ(OnlyTask(start).timeout_seconds, std::optional<double>(7));
  EXPECT_EQ(OnlyTimer(start).fire_at, kT0 + 7000);
  Effects fired = caught->OnTimerFired(OnlyTimer(start).timer_id, kT0 + 7000);
  EXPECT_EQ(fired.cancel_tasks, std::vector<uint64_t>{OnlyTask(start).task_id});
  EXPECT_EQ(Outcome(*caught), R"(SUCCEEDED "late")");

  auto in_time = Make(definition);
  Effects started = in_time->Start(J(R"({"limit": 7})"), kT0);
  Effects done = in_time->OnTaskSucceeded(OnlyTask(started).task_id, J("1"), kT0 + 10);
  EXPECT_TRUE(Contains(done.cancel_timers, OnlyTimer(started).timer_id));
  EXPECT_EQ(Outcome(*in_time), "SUCCEEDED 1");
  // The cancelled timer firing anyway (a race in the host) is ignored.
  EXPECT_TRUE(in_time->OnTimerFired(OnlyTimer(started).timer_id, kT0 + 7000).empty());
  EXPECT_EQ(Outcome(*in_time), "SUCCEEDED 1");
}

TEST(InterpreterTimeoutTest, HeartbeatsPushTheDeadlineBack) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r.waitForTaskToken", "End": true,
                     "TimeoutSeconds": 100, "HeartbeatSeconds": 10}}
  })");
  Effects start = interp->Start(J("{}"), kT0);
  const TaskRequest task = OnlyTask(start);
  EXPECT_EQ(task.heartbeat_seconds, std::optional<double>(10));
  ASSERT_EQ(start.start_timers.size(), 2u);
  uint64_t timeout_timer = 0, heartbeat_timer = 0;
  for (const auto& t : start.start_timers) {
    if (t.fire_at == kT0 + 100'000) timeout_timer = t.timer_id;
    if (t.fire_at == kT0 + 10'000) heartbeat_timer = t.timer_id;
  }
  ASSERT_NE(timeout_timer, 0u);
  ASSERT_NE(heartbeat_timer, 0u);

  Effects beat = interp->OnTaskHeartbeat(task.task_id, kT0 + 8000);
  EXPECT_EQ(beat.cancel_timers, std::vector<uint64_t>{heartbeat_timer});
  EXPECT_EQ(OnlyTimer(beat).fire_at, kT0 + 18'000);
  uint64_t second = OnlyTimer(beat).timer_id;
  // The replaced timer firing anyway does nothing.
  EXPECT_TRUE(interp->OnTimerFired(heartbeat_timer, kT0 + 10'000).empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);

  Effects beat2 = interp->OnTaskHeartbeat(task.task_id, kT0 + 17'000);
  EXPECT_EQ(beat2.cancel_timers, std::vector<uint64_t>{second});
  TimerRequest third = OnlyTimer(beat2);
  EXPECT_EQ(third.fire_at, kT0 + 27'000);

  Effects expired = interp->OnTimerFired(third.timer_id, third.fire_at);
  EXPECT_EQ(expired.cancel_tasks, std::vector<uint64_t>{task.task_id});
  EXPECT_TRUE(Contains(expired.cancel_timers, timeout_timer));
  EXPECT_EQ(interp->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(interp->error().name, "States.HeartbeatTimeout");
}

// Regression (issue 13, item 7): a job that waited for a slot of the local
// machine timed out before it ran. Time in the host's own queue does not
// count: the timeout and the heartbeat restart when the task's work starts.
TEST(InterpreterTimeoutTest, ATasksClockStartsWhenItsWorkStarts) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "End": true,
                     "TimeoutSeconds": 65, "HeartbeatSeconds": 20}}
  })");
  Effects start = interp->Start(J("{}"), kT0);
  const TaskRequest task = OnlyTask(start);
  ASSERT_EQ(start.start_timers.size(), 2u);
  std::vector<uint64_t> first;
  for (const auto& t : start.start_timers) first.push_back(t.timer_id);

  // It waited 60 s for a slot, then starts.
  Effects started = interp->OnTaskStarted(task.task_id, kT0 + 60'000);
  EXPECT_EQ(started.cancel_timers.size(), 2u);
  for (uint64_t id : first) EXPECT_TRUE(Contains(started.cancel_timers, id));
  ASSERT_EQ(started.start_timers.size(), 2u);
  uint64_t timeout = 0;
  for (const auto& t : started.start_timers) {
    EXPECT_TRUE(t.fire_at == kT0 + 125'000 || t.fire_at == kT0 + 80'000) << t.fire_at;
    if (t.fire_at == kT0 + 125'000) timeout = t.timer_id;
  }
  // The old deadline passes: nothing happens.
  for (uint64_t id : first) EXPECT_TRUE(interp->OnTimerFired(id, kT0 + 65'000).empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);
  // Once per task: a second start report changes nothing.
  EXPECT_TRUE(interp->OnTaskStarted(task.task_id, kT0 + 70'000).empty());
  // Unknown tasks are ignored.
  EXPECT_TRUE(interp->OnTaskStarted(task.task_id + 100, kT0 + 70'000).empty());
  // The job itself then takes too long: 65 s after it started.
  interp->OnTaskHeartbeat(task.task_id, kT0 + 75'000);
  Effects expired = interp->OnTimerFired(timeout, kT0 + 125'000);
  EXPECT_EQ(expired.cancel_tasks, std::vector<uint64_t>{task.task_id});
  EXPECT_EQ(interp->error().name, "States.Timeout");
}

TEST(InterpreterTimeoutTest, AQueuedTasksTimersStopUntilItStarts) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "End": true,
                     "TimeoutSeconds": 10, "HeartbeatSeconds": 5}}
  })");
  Effects start = interp->Start(J("{}"), kT0);
  const TaskRequest task = OnlyTask(start);
  Effects queued = interp->OnTaskQueued(task.task_id, kT0 + 1);
  EXPECT_EQ(queued.cancel_timers.size(), 2u);
  EXPECT_TRUE(queued.start_timers.empty());
  // An hour in the queue: nothing fires (the old timers are gone).
  for (const auto& t : start.start_timers) {
    EXPECT_TRUE(interp->OnTimerFired(t.timer_id, kT0 + 3'600'000).empty());
  }
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);
  EXPECT_TRUE(interp->OnTaskQueued(task.task_id, kT0 + 2).empty()) << "once";
  Effects started = interp->OnTaskStarted(task.task_id, kT0 + 3'600'000);
  ASSERT_EQ(started.start_timers.size(), 2u);
  uint64_t heartbeat = 0;
  for (const auto& t : started.start_timers) {
    if (t.fire_at == kT0 + 3'605'000) heartbeat = t.timer_id;
  }
  ASSERT_NE(heartbeat, 0u);
  interp->OnTimerFired(heartbeat, kT0 + 3'605'000);
  EXPECT_EQ(interp->error().name, "States.HeartbeatTimeout");
  // After it started, a queue report changes nothing.
  auto again = Make(R"({"StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 10, "End": true}}})");
  Effects s2 = again->Start(J("{}"), kT0);
  again->OnTaskStarted(OnlyTask(s2).task_id, kT0 + 5);
  EXPECT_TRUE(again->OnTaskQueued(OnlyTask(s2).task_id, kT0 + 6).empty());
}

TEST(InterpreterTimeoutTest, AStartWithoutTimeoutsChangesNothing) {
  auto interp = Make(R"({"StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "End": true}}})");
  Effects start = interp->Start(J("{}"), kT0);
  EXPECT_TRUE(interp->OnTaskStarted(OnlyTask(start).task_id, kT0 + 1000).empty());
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);
}

TEST(InterpreterTimeoutTest, ExecutionTimeoutEndsTheRunAsTimedOut) {
  auto interp = Make(R"({
    "TimeoutSeconds": 60,
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "End": true}}
  })");
  Effects start = interp->Start(J("{}"), kT0);
  TimerRequest timer = TimerAt(start, kT0 + 60'000);
  Effects fired = interp->OnTimerFired(timer.timer_id, timer.fire_at);
  EXPECT_EQ(fired.cancel_tasks, std::vector<uint64_t>{OnlyTask(start).task_id});
  EXPECT_EQ(interp->status(), ExecutionStatus::kTimedOut);
  EXPECT_STREQ(ExecutionStatusName(interp->status()), "TIMED_OUT");
  EXPECT_EQ(interp->error().name, "States.Timeout");
  EXPECT_TRUE(interp->RunningTasks().empty());

  // An execution that finishes in time cancels its timer.
  auto quick = Make(R"({
    "TimeoutSeconds": 60,
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "End": true}}
  })");
  Effects quick_start = quick->Start(J("{}"), kT0);
  Effects done = quick->OnTaskSucceeded(OnlyTask(quick_start).task_id, J("{}"), kT0 + 1);
  EXPECT_TRUE(Contains(done.cancel_timers, TimerAt(quick_start, kT0 + 60'000).timer_id));
}

// ===========================================================================
// Wait.

TEST(InterpreterWaitTest, SecondsAndTimestampsBecomeTimers) {
  struct Case {
    const char* field;
    const char* input;
    TimeMs fire_at;
  };
  const Case cases[] = {
      {R"("Seconds": 10)", "{}", kT0 + 10'000},
      {R"("SecondsPath": "$.s")", R"({"s": 3})", kT0 + 3'000},
      {R"("Timestamp": "2030-01-01T00:00:00Z")", "{}", 1'893'456'000'000},
      {R"("TimestampPath": "$.t")", R"({"t": "2030-01-01T00:00:01.5+01:00"})", 1'893'452'401'500},
  };
  for (const auto& c : cases) {
    auto interp = Make(std::string(R"({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Next": "After", )") +
                       c.field + R"(},
        "After": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime",
                                                 "in.$": "$"}, "End": true}}})");
    Effects start = interp->Start(J(c.input), kT0);
    EXPECT_TRUE(start.start_tasks.empty());
    TimerRequest timer = OnlyTimer(start);
    EXPECT_EQ(timer.fire_at, c.fire_at) << c.field;
    EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);
    interp->OnTimerFired(timer.timer_id, timer.fire_at);
    EXPECT_EQ(interp->output(),
              Json({{"entered", FormatTimeMs(timer.fire_at)}, {"in", J(c.input)}}))
        << c.field;
  }
}

TEST(InterpreterWaitTest, PastTimestampsAndZeroSecondsDoNotWait) {
  for (const char* field : {R"("Seconds": 0)", R"("Timestamp": "2001-01-01T00:00:00Z")"}) {
    auto interp = RunSync(std::string(R"({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "End": true, )") +
                              field + "}}}",
                          R"({"v": 1})");
    EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"v":1})") << field;
  }
}

TEST(InterpreterWaitTest, BadSecondsPathIsARuntimeError) {
  auto interp = RunSync(R"({"StartAt": "W", "States": {
      "W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}})",
                        R"({"s": "soon"})");
  EXPECT_EQ(interp->error().name, "States.Runtime");
}

// ===========================================================================
// Stop.

TEST(InterpreterStopTest, StopAbortsAndCancelsEverythingRunning) {
  auto interp = Make(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "r", "End": true,
                                           "Retry": [{"ErrorEquals": ["E"]}]}}},
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}}]}
    }
  })");
  Effects start = interp->Start(J("{}"), kT0);
  ASSERT_EQ(start.start_tasks.size(), 2u);
  uint64_t wait_timer = TimerAt(start, kT0 + 100'000).timer_id;
  uint64_t a = 0, b = 0;
  for (const auto& t : start.start_tasks) (t.state_name == "A" ? a : b) = t.task_id;
  // B is waiting for a retry when the stop comes.
  Effects retry = interp->OnTaskFailed(b, AslError{"E", std::nullopt}, kT0 + 1);
  uint64_t retry_timer = OnlyTimer(retry).timer_id;

  Effects stopped = interp->Stop(AslError{"Aborted", "stopped by user"}, kT0 + 2);
  EXPECT_EQ(interp->status(), ExecutionStatus::kAborted);
  EXPECT_EQ(Outcome(*interp), "ABORTED Aborted: stopped by user");
  EXPECT_EQ(stopped.cancel_tasks, std::vector<uint64_t>{a});
  EXPECT_TRUE(Contains(stopped.cancel_timers, retry_timer));
  EXPECT_TRUE(Contains(stopped.cancel_timers, wait_timer));
  EXPECT_TRUE(stopped.start_tasks.empty());
  EXPECT_TRUE(interp->RunningTasks().empty());

  // Nothing moves afterwards.
  EXPECT_TRUE(interp->OnTaskSucceeded(a, J("{}"), kT0 + 3).empty());
  EXPECT_TRUE(interp->OnTimerFired(retry_timer, kT0 + 4).empty());
  EXPECT_TRUE(interp->Stop(AslError{"Again", std::nullopt}, kT0 + 5).empty());
  EXPECT_EQ(interp->error().name, "Aborted");
}

// ===========================================================================
// Parallel.

constexpr const char* kThreeBranches = R"({
  "StartAt": "P",
  "States": {
    "P": {"Type": "Parallel", "Next": "Done",
          "Branches": [
            {"StartAt": "T0", "States": {"T0": {"Type": "Task", "Resource": "r", "End": true}}},
            {"StartAt": "T1", "States": {"T1": {"Type": "Task", "Resource": "r",
                                                 "Next": "After1"},
                                          "After1": {"Type": "Pass",
                                                     "Parameters": {"b1.$": "$"},
                                                     "End": true}}},
            {"StartAt": "T2", "States": {"T2": {"Type": "Task", "Resource": "r", "End": true}}}]},
    "Done": {"Type": "Succeed"}
  }
})";

std::map<std::string, uint64_t> TasksByState(const Effects& effects) {
  std::map<std::string, uint64_t> out;
  for (const auto& t : effects.start_tasks) out[t.state_name] = t.task_id;
  return out;
}

TEST(InterpreterParallelTest, OutputsAreInBranchOrder) {
  auto interp = Make(kThreeBranches);
  Effects start = interp->Start(J(R"({"shared": 1})"), kT0);
  auto tasks = TasksByState(start);
  ASSERT_EQ(tasks.size(), 3u);
  for (const auto& t : start.start_tasks) EXPECT_EQ(t.parameters, J(R"({"shared": 1})"));
  // Finish in reverse order.
  interp->OnTaskSucceeded(tasks["T2"], J(R"("two")"), kT0 + 1);
  interp->OnTaskSucceeded(tasks["T1"], J(R"("one")"), kT0 + 2);
  EXPECT_EQ(interp->status(), ExecutionStatus::kRunning);
  interp->OnTaskSucceeded(tasks["T0"], J(R"("zero")"), kT0 + 3);
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED ["zero",{"b1":"one"},"two"])");
}

TEST(InterpreterParallelTest, SynchronousBranchesAndResultProcessing) {
  auto interp = RunSync(R"j({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true,
            "Parameters": {"v.$": "$.v"},
            "ResultSelector": {"first.$": "$[0]", "count.$": "States.ArrayLength($)"},
            "ResultPath": "$.res",
            "Branches": [
              {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": true}}},
              {"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.v",
                                                 "End": true}}}]}
    }
  })j",
                        R"({"v": 5, "k": 0})");
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"v":5,"k":0,"res":{"first":"a","count":2}})");
}

TEST(InterpreterParallelTest, NothingIsBothStartedAndCancelledInOneDecision) {
  // Branch 0 starts a task (with a timeout timer), then branch 1 fails at
  // once, cancelling it. Hosts may apply cancels before starts, so the
  // interpreter must not hand them the task at all.
  std::vector<std::string> types;
  Interpreter::Options options;
  options.on_event = [&types](const HistoryEvent& e) { types.push_back(e.type); };
  auto interp = Make(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r",
                                          "TimeoutSeconds": 10, "End": true}}},
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Now"}}}]}
    }
  })",
                     options);
  Effects effects = interp->Start(J("{}"), kT0);
  EXPECT_TRUE(std::find(types.begin(), types.end(), "TaskScheduled") != types.end());
  EXPECT_TRUE(effects.start_tasks.empty());
  EXPECT_TRUE(effects.cancel_tasks.empty());
  EXPECT_TRUE(effects.start_timers.empty());
  EXPECT_TRUE(effects.cancel_timers.empty());
  EXPECT_EQ(Outcome(*interp), "FAILED Now: ");
  EXPECT_TRUE(interp->RunningTasks().empty());
}

TEST(InterpreterParallelTest, AFailingBranchFailsTheStateAndCancelsItsSiblings) {
  auto interp = Make(kThreeBranches);
  auto tasks = TasksByState(interp->Start(J("{}"), kT0));
  interp->OnTaskSucceeded(tasks["T2"], J("2"), kT0 + 1);
  Effects failed = interp->OnTaskFailed(tasks["T1"], AslError{"BranchError", "cause 1"}, kT0 + 2);
  EXPECT_EQ(failed.cancel_tasks, std::vector<uint64_t>{tasks["T0"]});
  // AWS: the Parallel state fails with the branch's own error.
  EXPECT_EQ(Outcome(*interp), "FAILED BranchError: cause 1");
  EXPECT_TRUE(interp->RunningTasks().empty());
  EXPECT_TRUE(interp->OnTaskSucceeded(tasks["T0"], J("0"), kT0 + 3).empty());
}

TEST(InterpreterParallelTest, BranchErrorsCanBeRetriedAndCaughtOnTheParallelState) {
  std::vector<std::string> scheduled;
  Interpreter::Options options;
  options.on_event = [&scheduled](const HistoryEvent& e) {
    if (e.type == "TaskScheduled") scheduled.push_back(e.state_name);
  };
  auto interp = Make(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true,
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 4}],
            "Catch": [{"ErrorEquals": ["Fatal"], "ResultPath": "$.error", "Next": "Handle"}],
            "Branches": [
              {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "End": true}}},
              {"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e"}}}]},
      "Handle": {"Type": "Pass", "End": true}
    }
  })",
                     options);
  // The Fail branch ends at once: it fails the Parallel, whose retrier waits.
  Effects start = interp->Start(J(R"({"e": "Flaky"})"), kT0);
  EXPECT_EQ(scheduled, std::vector<std::string>{"T"});
  TimerRequest retry = OnlyTimer(start);
  EXPECT_EQ(retry.fire_at, kT0 + 4000);
  // The retry runs both branches again, from the state's input.
  Effects again = interp->OnTimerFired(retry.timer_id, retry.fire_at);
  EXPECT_EQ(scheduled, (std::vector<std::string>{"T", "T"}));
  EXPECT_EQ(OnlyTimer(again).fire_at, retry.fire_at + 8000);

  auto caught = Make(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true,
            "Catch": [{"ErrorEquals": ["Fatal"], "ResultPath": "$.error", "Next": "Handle"}],
            "Branches": [
              {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Fatal",
                                                 "Cause": "no"}}}]},
      "Handle": {"Type": "Pass", "End": true}
    }
  })");
  caught->Start(J(R"({"x": 1})"), kT0);
  EXPECT_EQ(Outcome(*caught), R"(SUCCEEDED {"x":1,"error":{"Error":"Fatal","Cause":"no"}})");
}

// ===========================================================================
// Map.

std::string MapOfTasks(const std::string& map_fields) {
  return R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, )" +
         map_fields + R"(
            "ItemProcessor": {"StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "r", "Parameters": {"item.$": "$"},
                       "End": true}}}}
    }
  })";
}

Json Range(int n) {
  Json items = Json::array();
  for (int i = 0; i < n; ++i) items.push_back(i);
  return items;
}

TEST(InterpreterMapTest, MaxConcurrencyBoundsOutstandingTasks) {
  auto interp = Make(MapOfTasks(R"("MaxConcurrency": 3,)"));
  Effects start = interp->Start(Range(10), kT0);
  ASSERT_EQ(start.start_tasks.size(), 3u);
  std::map<uint64_t, TaskRequest> outstanding;
  std::set<int64_t> started_items;
  for (const auto& t : start.start_tasks) {
    EXPECT_EQ(t.map_item_index, static_cast<int64_t>(outstanding.size()));
    EXPECT_EQ(t.parameters, Json({{"item", t.map_item_index}}));
    outstanding[t.task_id] = t;
    started_items.insert(t.map_item_index);
  }
  // Complete in a scrambled order: the newest, then the oldest, ...
  TimeMs now = kT0;
  bool newest = true;
  int completions = 0;
  while (!outstanding.empty()) {
    auto it = newest ? std::prev(outstanding.end()) : outstanding.begin();
    newest = !newest;
    TaskRequest done = it->second;
    outstanding.erase(it);
    Effects next =
        interp->OnTaskSucceeded(done.task_id, Json({{"r", done.map_item_index * 10}}), ++now);
    ++completions;
    size_t expected_new = started_items.size() < 10 ? 1 : 0;
    ASSERT_EQ(next.start_tasks.size(), expected_new) << "after completion " << completions;
    for (const auto& t : next.start_tasks) {
      EXPECT_TRUE(started_items.insert(t.map_item_index).second);
      outstanding[t.task_id] = t;
    }
    EXPECT_LE(outstanding.size(), 3u);
    EXPECT_EQ(interp->RunningTasks().size(), outstanding.size());
  }
  EXPECT_EQ(completions, 10);
  Json want = Json::array();
  for (int i = 0; i < 10; ++i) want.push_back({{"r", i * 10}});
  EXPECT_EQ(Outcome(*interp), "SUCCEEDED " + DumpJson(want));
}

TEST(InterpreterMapTest, WithoutMaxConcurrencyAllItemsStartAtOnce) {
  for (const char* fields : {"", R"("MaxConcurrency": 0,)"}) {
    auto interp = Make(MapOfTasks(fields));
    Effects start = interp->Start(Range(25), kT0);
    EXPECT_EQ(start.start_tasks.size(), 25u) << fields;
  }
}

// A host that throttles tasks itself (a Slurm array's %N) gets every item at
// once, tagged with one throttle group and the Map's MaxConcurrency.
TEST(InterpreterMapTest, HostThrottledMapStartsAllItemsWithTheLimit) {
  Interpreter::Options options;
  std::vector<std::string> asked;
  options.host_throttles = [&](const std::string& resource) {
    asked.push_back(resource);
    return resource == "r";
  };
  auto interp = Make(MapOfTasks(R"("MaxConcurrency": 3,)"), options);
  Effects start = interp->Start(Range(10), kT0);
  ASSERT_EQ(start.start_tasks.size(), 10u);
  EXPECT_EQ(asked, std::vector<std::string>{"r"});
  for (const auto& t : start.start_tasks) {
    EXPECT_NE(t.throttle_group, 0u);
    EXPECT_EQ(t.throttle_group, start.start_tasks[0].throttle_group);
    EXPECT_EQ(t.throttle_limit, 3u);
  }
  TimeMs now = kT0;
  for (const auto& t : start.start_tasks) {
    Effects next = interp->OnTaskSucceeded(t.task_id, Json(t.map_item_index), ++now);
    EXPECT_TRUE(next.start_tasks.empty());
  }
  EXPECT_EQ(Outcome(*interp), "SUCCEEDED " + DumpJson(Range(10)));
}

TEST(InterpreterMapTest, HostThrottlingAllowsACatchToAPass) {
  Interpreter::Options options;
  options.host_throttles = [](const std::string&) { return true; };
  auto interp = Make(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, "MaxConcurrency": 2,
            "ItemProcessor": {"StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "r", "End": true,
                       "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]},
              "Failed": {"Type": "Pass", "End": true}}}}
    }
  })",
                     options);
  Effects start = interp->Start(Range(5), kT0);
  ASSERT_EQ(start.start_tasks.size(), 5u);
  EXPECT_EQ(start.start_tasks[0].throttle_limit, 2u);
}

TEST(InterpreterMapTest, HostThrottlingNeedsASingleTaskProcessor) {
  Interpreter::Options options;
  options.host_throttles = [](const std::string&) { return true; };
  auto two_states = Make(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, "MaxConcurrency": 2,
            "ItemProcessor": {"StartAt": "Prepare", "States": {
              "Prepare": {"Type": "Task", "Resource": "r", "Next": "Work"},
              "Work": {"Type": "Task", "Resource": "r", "End": true}}}}
    }
  })",
                         options);
  Effects start = two_states->Start(Range(5), kT0);
  ASSERT_EQ(start.start_tasks.size(), 2u);  // the interpreter throttles
  EXPECT_EQ(start.start_tasks[0].throttle_group, 0u);
  // A host that does not throttle this resource: the interpreter does.
  Interpreter::Options no;
  no.host_throttles = [](const std::string&) { return false; };
  auto plain = Make(MapOfTasks(R"("MaxConcurrency": 2,)"), no);
  EXPECT_EQ(plain->Start(Range(5), kT0).start_tasks.size(), 2u);
}

TEST(InterpreterMapTest, ItemSelectorSeesTheItemAndTheStateInput) {
  for (const char* selector : {"ItemSelector", "Parameters"}) {
    auto interp = RunSync(std::string(R"({
      "StartAt": "M",
      "States": {
        "M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
              ")") + selector +
                              R"(": {"index.$": "$$.Map.Item.Index",
                                     "value.$": "$$.Map.Item.Value",
                                     "shared.$": "$.shared"},
              "ItemProcessor": {"StartAt": "P", "States": {
                "P": {"Type": "Pass", "End": true}}}}
      }
    })",
                          R"({"items": ["a", {"b": 1}], "shared": "S"})");
    EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED [{"index":0,"value":"a","shared":"S"},)"
                                R"({"index":1,"value":{"b":1},"shared":"S"}])")
        << selector;
  }
}

TEST(InterpreterMapTest, EmptyAndInvalidItems) {
  auto empty = RunSync(R"({
    "StartAt": "M",
    "States": {"M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
                     "ItemProcessor": {"StartAt": "P", "States": {
                       "P": {"Type": "Pass", "End": true}}}}}
  })",
                       R"({"items": []})");
  EXPECT_EQ(Outcome(*empty), "SUCCEEDED []");

  auto not_array = RunSync(R"({
    "StartAt": "M",
    "States": {"M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
                     "ItemProcessor": {"StartAt": "P", "States": {
                       "P": {"Type": "Pass", "End": true}}}}}
  })",
                           R"({"items": {"a": 1}})");
  EXPECT_EQ(not_array->error().name, "States.Runtime");
}

TEST(InterpreterMapTest, AFailingItemFailsTheMapAndCancelsTheOthers) {
  auto interp = Make(MapOfTasks(""));
  Effects start = interp->Start(Range(3), kT0);
  ASSERT_EQ(start.start_tasks.size(), 3u);
  std::map<int64_t, uint64_t> by_item;
  for (const auto& t : start.start_tasks) by_item[t.map_item_index] = t.task_id;
  interp->OnTaskSucceeded(by_item[2], J("2"), kT0 + 1);
  Effects failed = interp->OnTaskFailed(by_item[1], AslError{"ItemError", "item 1"}, kT0 + 2);
  EXPECT_EQ(failed.cancel_tasks, std::vector<uint64_t>{by_item[0]});
  EXPECT_EQ(Outcome(*interp), "FAILED ItemError: item 1");
  EXPECT_TRUE(interp->RunningTasks().empty());
}

TEST(InterpreterMapTest, AnItemSelectorErrorCancelsItemsStartedInTheSameDecision) {
  auto interp = Make(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, "ItemSelector": {"x.$": "$$.Map.Item.Value.x"},
            "ItemProcessor": {"StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "r", "End": true}}}}
    }
  })");
  Effects effects = interp->Start(J(R"([{"x": 1}, {"x": 2}, {"y": 3}])"), kT0);
  EXPECT_TRUE(effects.start_tasks.empty());
  EXPECT_TRUE(effects.cancel_tasks.empty());
  EXPECT_EQ(interp->error().name, "States.Runtime");
}

TEST(InterpreterMapTest, ItemErrorsCanBeCaughtOnTheMapState) {
  // Corpus: map/map_state_catch.
  auto interp = RunSync(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "Next": "Final", "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "F", "States": {
              "F": {"Type": "Fail", "Error": "HandleItemFailError",
                    "Cause": "HandleItemFailCause"}}},
            "Catch": [{"ErrorEquals": ["HandleItemFailError"], "Next": "Caught"}]},
      "Caught": {"Type": "Pass", "End": true},
      "Final": {"Type": "Pass", "End": true}
    }
  })",
                        "[1, 2]");
  EXPECT_EQ(Outcome(*interp),
            R"(SUCCEEDED {"Error":"HandleItemFailError","Cause":"HandleItemFailCause"})");
}

std::string DistributedMapOfTasks(const std::string& tolerance) {
  return R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, )" +
         tolerance + R"(,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                  "ExecutionType": "STANDARD"},
              "StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "r", "End": true}}}}
    }
  })";
}

// Runs a Map of `n` tasks, failing the items in `failing`; returns the interpreter.
std::unique_ptr<Interpreter> RunMapWithFailures(const std::string& definition, int n,
                                                const std::set<int64_t>& failing) {
  auto interp = Make(definition);
  Effects effects = interp->Start(Range(n), kT0);
  std::vector<TaskRequest> queue(effects.start_tasks.begin(), effects.start_tasks.end());
  TimeMs now = kT0;
  std::set<uint64_t> cancelled;
  while (!queue.empty() && interp->status() == ExecutionStatus::kRunning) {
    TaskRequest t = queue.front();
    queue.erase(queue.begin());
    if (cancelled.count(t.task_id)) continue;
    Effects next = failing.count(t.map_item_index)
                       ? interp->OnTaskFailed(t.task_id, AslError{"ItemError", "bad item"}, ++now)
                       : interp->OnTaskSucceeded(t.task_id, Json(t.map_item_index), ++now);
    for (uint64_t id : next.cancel_tasks) cancelled.insert(id);
    queue.insert(queue.end(), next.start_tasks.begin(), next.start_tasks.end());
  }
  return interp;
}

TEST(InterpreterMapTest, ToleratedFailureCount) {
  std::string definition = DistributedMapOfTasks(R"("ToleratedFailureCount": 1)");
  auto one = RunMapWithFailures(definition, 4, {2});
  ASSERT_EQ(one->status(), ExecutionStatus::kSucceeded) << Outcome(*one);
  ASSERT_EQ(one->output().size(), 4u);
  EXPECT_EQ(one->output()[0], 0);
  EXPECT_EQ(one->output()[1], 1);
  EXPECT_EQ(one->output()[3], 3);

  auto two = RunMapWithFailures(definition, 4, {0, 2});
  EXPECT_EQ(two->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(two->error().name, "States.ExceedToleratedFailureThreshold");

  auto none = RunMapWithFailures(DistributedMapOfTasks(R"("ToleratedFailureCount": 0)"), 4, {3});
  EXPECT_EQ(none->error().name, "States.ExceedToleratedFailureThreshold");
}

TEST(InterpreterMapTest, ToleratedFailurePercentage) {
  std::string definition = DistributedMapOfTasks(R"("ToleratedFailurePercentage": 20)");
  auto two = RunMapWithFailures(definition, 10, {1, 8});
  EXPECT_EQ(two->status(), ExecutionStatus::kSucceeded) << Outcome(*two);
  EXPECT_EQ(two->output().size(), 10u);
  auto three = RunMapWithFailures(definition, 10, {1, 5, 8});
  EXPECT_EQ(three->error().name, "States.ExceedToleratedFailureThreshold");
  // Both thresholds set: exceeding either one fails the Map.
  std::string both =
      DistributedMapOfTasks(R"("ToleratedFailurePercentage": 50, "ToleratedFailureCount": 1)");
  EXPECT_EQ(RunMapWithFailures(both, 10, {1})->status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(RunMapWithFailures(both, 10, {1, 2})->error().name,
            "States.ExceedToleratedFailureThreshold");
}

TEST(InterpreterMapTest, ToleratedFailureCountPathFromInput) {
  std::string definition = R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
            "ToleratedFailureCountPath": "$.tolerate",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
              "StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "r", "End": true}}}}
    }
  })";
  auto interp = Make(definition);
  Effects start = interp->Start(J(R"({"items": [0, 1, 2], "tolerate": 2})"), kT0);
  ASSERT_EQ(start.start_tasks.size(), 3u);
  interp->OnTaskFailed(start.start_tasks[0].task_id, AslError{"E", std::nullopt}, kT0 + 1);
  interp->OnTaskFailed(start.start_tasks[1].task_id, AslError{"E", std::nullopt}, kT0 + 2);
  interp->OnTaskSucceeded(start.start_tasks[2].task_id, J(R"("ok")"), kT0 + 3);
  EXPECT_EQ(interp->status(), ExecutionStatus::kSucceeded) << Outcome(*interp);
}

TEST(InterpreterMapTest, NestedMapsKeepItemOrder) {
  auto interp = RunSync(R"j({
    "StartAt": "Outer",
    "States": {
      "Outer": {"Type": "Map", "End": true,
                "ItemSelector": {"row.$": "$$.Map.Item.Index", "cells.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "Inner", "States": {
                  "Inner": {"Type": "Map", "End": true, "ItemsPath": "$.cells",
                            "ItemSelector": {"r.$": "$.row", "c.$": "$$.Map.Item.Index",
                                             "v.$": "$$.Map.Item.Value"},
                            "ItemProcessor": {"StartAt": "Cell", "States": {
                              "Cell": {"Type": "Pass",
                                       "Parameters": {"s.$": "States.Format('{}{}{}', $.r, $.c, $.v)"},
                                       "OutputPath": "$.s", "End": true}}}}}}}
    }
  })j",
                        R"([["a", "b"], [], ["c"]])");
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED [["00a","01b"],[],["20c"]])");
}

TEST(InterpreterMapTest, TwoHundredThousandPassItems) {
  const int kItems = 200'000;
  auto interp = Make(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "P", "States": {
              "P": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": true}}}}
    }
  })");
  Json input = {{"items", Range(kItems)}};
  Effects effects = interp->Start(std::move(input), kT0);
  EXPECT_TRUE(effects.empty());
  ASSERT_EQ(interp->status(), ExecutionStatus::kSucceeded) << Outcome(*interp);
  const Json& out = interp->output();
  ASSERT_EQ(out.size(), static_cast<size_t>(kItems));
  for (int i : {0, 1, 12345, 99'999, kItems - 1}) EXPECT_EQ(out[i], Json({{"n", i}})) << i;
  EXPECT_EQ(interp->transitions(), 1 + kItems);
}

TEST(InterpreterMapTest, ItemSelectorContextDoesNotCopyTheExecutionInput) {
  // $$ in an ItemSelector is evaluated once per item. Building the context
  // object used to copy the whole execution input each time: a Map over part
  // of a large input was quadratic (minutes here). Now it takes well under a
  // second even in a Debug build; the bound is generous for loaded machines.
  const int kItems = 1'000;
  auto interp = Make(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
            "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value",
                             "first.$": "$$.Execution.Input.items[0]"},
            "ItemProcessor": {"StartAt": "P", "States": {
              "P": {"Type": "Pass", "End": true}}}}
    }
  })");
  Json input = {{"items", Range(kItems)}, {"blob", Range(1'000'000)}};
  auto start = std::chrono::steady_clock::now();
  interp->Start(std::move(input), kT0);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(interp->status(), ExecutionStatus::kSucceeded) << Outcome(*interp);
  const Json& out = interp->output();
  ASSERT_EQ(out.size(), static_cast<size_t>(kItems));
  for (int i : {0, 7, kItems - 1}) {
    EXPECT_EQ(out[i], Json({{"i", i}, {"v", i}, {"first", 0}})) << i;
  }
  EXPECT_LT(elapsed, std::chrono::seconds(15));
}

// ===========================================================================
// Variables.

TEST(InterpreterVariablesTest, AssignThenReadLater) {
  auto interp = RunSync(R"j({
    "StartAt": "Set",
    "States": {
      "Set": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.v", "z.$": "States.Format('{}!', $.v)"},
              "Next": "Swap"},
      "Swap": {"Type": "Pass", "Assign": {"x.$": "$y", "y.$": "$x"}, "Next": "Read"},
      "Read": {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y", "z.$": "$z"},
               "End": true}
    }
  })j",
                        R"({"v": "V"})");
  // All assignments of a state read the values from before it.
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"x":"V","y":1,"z":"V!"})");
}

TEST(InterpreterVariablesTest, TaskAssignReadsTheSelectedResult) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "Next": "Read",
            "ResultSelector": {"id.$": "$.JobId"},
            "Assign": {"job.$": "$.id", "input.$": "$$.Execution.Input"}},
      "Read": {"Type": "Pass", "Parameters": {"job.$": "$job", "input.$": "$input"},
               "End": true}
    }
  })");
  Effects start = interp->Start(J(R"({"a": 1})"), kT0);
  interp->OnTaskSucceeded(OnlyTask(start).task_id, J(R"({"JobId": "42", "Other": 0})"), kT0);
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"job":"42","input":{"a":1}})");
}

TEST(InterpreterVariablesTest, MapIterationsReadOuterVariablesButDoNotLeak) {
  // Corpus: variables/base_cases_BASE_SCOPE_MAP and ..._ITERATOR_OUTER_SCOPE.
  const char* definition = R"({
    "StartAt": "Set",
    "States": {
      "Set": {"Type": "Pass", "Assign": {"outer": "O"}, "Next": "M"},
      "M": {"Type": "Map", "MaxConcurrency": 1, "Next": "After",
            "ItemProcessor": {"StartAt": "Check", "States": {
              "Check": {"Type": "Choice",
                        "Choices": [{"Variable": "$seen", "IsPresent": true, "Next": "Leaked"}],
                        "Default": "Mark"},
              "Mark": {"Type": "Pass", "Assign": {"seen.$": "$"},
                       "Parameters": {"item.$": "$", "outer.$": "$outer"}, "End": true},
              "Leaked": {"Type": "Fail", "Error": "Leaked"}}}},
      "After": {"Type": "Choice",
                "Choices": [{"Variable": "$seen", "IsPresent": true, "Next": "LeakedOut"}],
                "Default": "Done"},
      "LeakedOut": {"Type": "Fail", "Error": "LeakedOut"},
      "Done": {"Type": "Pass", "Parameters": {"items.$": "$", "outer.$": "$outer"}, "End": true}
    }
  })";
  auto interp = RunSync(definition, "[1, 2, 3]");
  EXPECT_EQ(Outcome(*interp),
            R"(SUCCEEDED {"items":[{"item":1,"outer":"O"},{"item":2,"outer":"O"},)"
            R"({"item":3,"outer":"O"}],"outer":"O"})");

  // Reading a variable that only an iteration assigned fails after the Map.
  auto read_after = RunSync(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "Next": "Read",
            "ItemProcessor": {"StartAt": "Set", "States": {
              "Set": {"Type": "Pass", "Assign": {"inner.$": "$"}, "End": true}}}},
      "Read": {"Type": "Pass", "Parameters": {"v.$": "$inner"}, "End": true}
    }
  })",
                            "[1]");
  EXPECT_EQ(read_after->error().name, "States.Runtime");
}

TEST(InterpreterVariablesTest, ParallelBranchesReadOuterVariablesButDoNotLeak) {
  auto interp = RunSync(R"({
    "StartAt": "Set",
    "States": {
      "Set": {"Type": "Pass", "Assign": {"outer": 10}, "Next": "P"},
      "P": {"Type": "Parallel", "Next": "After",
            "Branches": [
              {"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Assign": {"mine": "a"}, "Next": "A2"},
                "A2": {"Type": "Pass", "Parameters": {"o.$": "$outer", "m.$": "$mine"},
                       "End": true}}},
              {"StartAt": "B", "States": {
                "B": {"Type": "Choice",
                      "Choices": [{"Variable": "$mine", "IsPresent": true, "Next": "BLeak"}],
                      "Default": "B2"},
                "BLeak": {"Type": "Fail", "Error": "SiblingLeak"},
                "B2": {"Type": "Pass", "Parameters": {"o.$": "$outer"}, "End": true}}}]},
      "After": {"Type": "Choice",
                "Choices": [{"Variable": "$mine", "IsPresent": true, "Next": "Leak"}],
                "Default": "Done"},
      "Leak": {"Type": "Fail", "Error": "Leak"},
      "Done": {"Type": "Succeed"}
    }
  })");
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED [{"o":10,"m":"a"},{"o":10}])");
}

TEST(InterpreterVariablesTest, ChoiceRuleAssignWinsOverTheStateAssign) {
  // Corpus: variables/assign_in_choice_state_*.
  const char* definition = R"({
    "StartAt": "C",
    "States": {
      "C": {"Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericEquals": 42,
                         "Assign": {"status": "CORRECT"}, "Next": "F"}],
            "Assign": {"status": "INCORRECT"}, "Default": "F"},
      "F": {"Type": "Pass", "Parameters": {"result.$": "$status"}, "End": true}
    }
  })";
  EXPECT_EQ(Outcome(*RunSync(definition, R"({"n": 42})")), R"(SUCCEEDED {"result":"CORRECT"})");
  EXPECT_EQ(Outcome(*RunSync(definition, R"({"n": 0})")), R"(SUCCEEDED {"result":"INCORRECT"})");
}

// ===========================================================================
// The context object.

TEST(InterpreterContextTest, ExecutionStateAndStateMachineFields) {
  auto interp = Make(R"({
    "StartAt": "Change",
    "States": {
      "Change": {"Type": "Pass", "Result": {"changed": true}, "Next": "Wait"},
      "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Read"},
      "Read": {"Type": "Pass", "End": true, "Parameters": {
        "input.$": "$$.Execution.Input", "id.$": "$$.Execution.Id",
        "name.$": "$$.Execution.Name", "start.$": "$$.Execution.StartTime",
        "role.$": "$$.Execution.RoleArn", "state.$": "$$.State.Name",
        "entered.$": "$$.State.EnteredTime", "sm.$": "$$.StateMachine",
        "now.$": "$"}}
    }
  })");
  Effects start = interp->Start(J(R"({"original": 1})"), kT0);
  interp->OnTimerFired(OnlyTimer(start).timer_id, kT0 + 5000);
  Json want = {{"input", {{"original", 1}}},
               {"id", "exec-1"},
               {"name", "run-1"},
               {"start", FormatTimeMs(kT0)},
               {"role", "role"},
               {"state", "Read"},
               {"entered", FormatTimeMs(kT0 + 5000)},
               {"sm", {{"Id", "sm-id"}, {"Name", "sm"}}},
               {"now", {{"changed", true}}}};
  EXPECT_EQ(interp->output(), want);
}

TEST(InterpreterContextTest, NestedEvaluationsSeeTheExecutionInput) {
  // The Choice state's rules and its Assign are evaluated in nested scopes
  // that both read $$.Execution.Input.
  auto interp = RunSync(R"({
    "StartAt": "C",
    "States": {
      "C": {"Type": "Choice",
            "Choices": [{"Variable": "$$.Execution.Input.n", "NumericEquals": 1, "Next": "P",
                         "Assign": {"seen.$": "$$.Execution.Input"}}],
            "Default": "Other"},
      "P": {"Type": "Pass", "End": true,
            "Parameters": {"seen.$": "$seen", "again.$": "$$.Execution.Input.n"}},
      "Other": {"Type": "Fail"}
    }
  })",
                        R"({"n": 1})");
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"seen":{"n":1},"again":1})");
}

TEST(InterpreterContextTest, ContextPathsInInputPathAndOutputPath) {
  auto interp = RunSync(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "Result": "x", "Next": "B"},
      "B": {"Type": "Pass", "InputPath": "$$.Execution.Input", "End": true}
    }
  })",
                        R"({"message": "hi"})");
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"message":"hi"})");
}

// ===========================================================================
// Task tokens.

TEST(InterpreterTokenTest, WaitForTaskTokenTasksGetATokenInTheirParameters) {
  const char* definition = R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "hpcflow:::job:run.waitForTaskToken",
                     "Parameters": {"Token.$": "$$.Task.Token", "x.$": "$.x"}, "End": true}}
  })";
  auto interp = Make(definition);
  const TaskRequest task = OnlyTask(interp->Start(J(R"({"x": 1})"), kT0));
  EXPECT_EQ(task.task_token, "exec-1/" + std::to_string(task.task_id));
  EXPECT_EQ(task.parameters, Json({{"Token", task.task_token}, {"x", 1}}));
  interp->OnTaskSucceeded(task.task_id, J(R"({"from": "callback"})"), kT0 + 1);
  EXPECT_EQ(Outcome(*interp), R"(SUCCEEDED {"from":"callback"})");

  // The host signs tokens.
  Interpreter::Options options;
  options.make_task_token = [](const TaskRequest& r) {
    return "signed:" + r.state_name + ":" + std::to_string(r.task_id) + ":" +
           std::to_string(r.attempt);
  };
  auto signed_interp = Make(definition, options);
  const TaskRequest signed_task = OnlyTask(signed_interp->Start(J(R"({"x": 2})"), kT0));
  EXPECT_EQ(signed_task.task_token, "signed:T:" + std::to_string(signed_task.task_id) + ":0");
  EXPECT_EQ(signed_task.parameters["Token"], signed_task.task_token);
}

TEST(InterpreterTokenTest, OtherTasksHaveNoToken) {
  auto interp = Make(R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "hpcflow:::job:run.sync",
                     "Parameters": {"Token.$": "$$.Task.Token"}, "End": true}}
  })");
  Effects effects = interp->Start(J("{}"), kT0);
  EXPECT_TRUE(effects.start_tasks.empty());
  EXPECT_EQ(interp->error().name, "States.Runtime");
}

// ===========================================================================
// Determinism: same events in, same decisions out.

// Plays the host: completes tasks in id order (failing the first attempt of
// every third task) and fires timers in time order. Returns a transcript of
// every effect and event.
Json Drive(Interpreter& interp, Effects first) {
  Json transcript = Json::array();
  std::map<uint64_t, TaskRequest> tasks;
  std::map<uint64_t, TimeMs> timers;
  TimeMs now = kT0;
  auto apply = [&](Effects e) {
    transcript.push_back(EffectsJson(e));
    for (const auto& t : e.start_tasks) tasks[t.task_id] = t;
    for (uint64_t id : e.cancel_tasks) tasks.erase(id);
    for (const auto& t : e.start_timers) timers[t.timer_id] = t.fire_at;
    for (uint64_t id : e.cancel_timers) timers.erase(id);
  };
  apply(std::move(first));
  for (int steps = 0; interp.status() == ExecutionStatus::kRunning && steps < 10'000; ++steps) {
    if (!tasks.empty()) {
      TaskRequest t = tasks.begin()->second;
      tasks.erase(tasks.begin());
      now += 250;
      if (t.task_id % 3 == 0 && t.attempt == 0) {
        apply(interp.OnTaskFailed(t.task_id, AslError{"Flaky", "first try"}, now));
      } else {
        apply(interp.OnTaskSucceeded(t.task_id, Json({{"echo", t.parameters}}), now));
      }
    } else if (!timers.empty()) {
      auto next = std::min_element(timers.begin(), timers.end(), [](const auto& a, const auto& b) {
        return std::tie(a.second, a.first) < std::tie(b.second, b.first);
      });
      uint64_t id = next->first;
      now = std::max(now, next->second);
      timers.erase(next);
      apply(interp.OnTimerFired(id, now));
    } else {
      break;
    }
  }
  return transcript;
}

constexpr const char* kBusyWorkflow = R"j({
  "StartAt": "Ids",
  "States": {
    "Ids": {"Type": "Pass", "Next": "Fan",
            "Parameters": {"uuid.$": "States.UUID()", "dice.$": "States.MathRandom(1, 1000000)",
                           "items.$": "$.items"}},
    "Fan": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "M", "States": {
        "M": {"Type": "Map", "End": true, "ItemsPath": "$.items", "MaxConcurrency": 2,
              "ItemSelector": {"i.$": "$$.Map.Item.Index", "id.$": "States.UUID()"},
              "ItemProcessor": {"StartAt": "Job", "States": {
                "Job": {"Type": "Task", "Resource": "hpcflow:::job:run.waitForTaskToken",
                        "Parameters": {"i.$": "$.i", "id.$": "$.id", "t.$": "$$.Task.Token"},
                        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3,
                                   "JitterStrategy": "FULL"}],
                        "End": true}}}}}},
      {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "Solo"},
        "Solo": {"Type": "Task", "Resource": "r", "Parameters": {"u.$": "$.uuid"},
                 "Retry": [{"ErrorEquals": ["Flaky"]}], "End": true}}}]}
  }
})j";

TEST(InterpreterDeterminismTest, SameEventsGiveSameEffectsAndOutput) {
  std::vector<Json> events_a, events_b, events_c;
  auto make = [](std::vector<Json>& events, uint64_t seed) {
    Interpreter::Options options;
    options.on_event = [&events](const HistoryEvent& e) {
      events.push_back({e.id, e.previous_id, e.time, e.type, e.state_name, Details(e)});
    };
    return Make(kBusyWorkflow, options, seed);
  };
  Json input = J(R"({"items": [10, 20, 30, 40, 50]})");
  auto a = make(events_a, 99);
  auto b = make(events_b, 99);
  Json transcript_a = Drive(*a, a->Start(input, kT0));
  Json transcript_b = Drive(*b, b->Start(input, kT0));
  ASSERT_EQ(a->status(), ExecutionStatus::kSucceeded) << Outcome(*a);
  EXPECT_EQ(transcript_a, transcript_b);
  EXPECT_EQ(events_a, events_b);
  EXPECT_EQ(a->output(), b->output());
  EXPECT_EQ(a->transitions(), b->transitions());
  // The run did exercise retries with jitter.
  EXPECT_NE(DumpJson(transcript_a).find("\"attempt\":1"), std::string::npos);

  // Another seed draws other random values.
  auto c = make(events_c, 100);
  Drive(*c, c->Start(input, kT0));
  ASSERT_EQ(c->status(), ExecutionStatus::kSucceeded) << Outcome(*c);
  EXPECT_NE(a->output(), c->output());
}

// ===========================================================================
// History events.

TEST(InterpreterEventsTest, EventsArriveInOrderNumberedFromOne) {
  std::vector<HistoryEvent> events;
  Interpreter::Options options;
  options.on_event = [&events](const HistoryEvent& e) { events.push_back(e); };
  auto interp = Make(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "Next": "T"},
      "T": {"Type": "Task", "Resource": "r", "Next": "M"},
      "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "End": true}}}, "ItemsPath": "$.list"}
    }
  })",
                     options);
  Effects start = interp->Start(J(R"({"in": 1})"), kT0);
  interp->OnTaskSucceeded(OnlyTask(start).task_id, J(R"({"list": [1, 2]})"), kT0 + 1000);
  ASSERT_EQ(interp->status(), ExecutionStatus::kSucceeded);
  ASSERT_GE(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(events[i].previous_id, static_cast<int64_t>(i));
  }
  EXPECT_EQ(events.front().type, "ExecutionStarted");
  EXPECT_EQ(Details(events.front()), J(R"({"input": {"in": 1}})"));
  EXPECT_EQ(events.front().time, kT0);
  EXPECT_EQ(events.back().type, "ExecutionSucceeded");
  EXPECT_EQ(Details(events.back()), J(R"({"output": [1, 2]})"));
  EXPECT_EQ(events.back().time, kT0 + 1000);
  EXPECT_EQ(events[1].type, "PassStateEntered");
  EXPECT_EQ(events[1].state_name, "A");
  int scheduled = 0, map_iterations = 0;
  for (const auto& e : events) {
    if (e.type == "TaskScheduled") {
      ++scheduled;
      EXPECT_EQ(e.state_name, "T");
      EXPECT_EQ(e.time, kT0);
    }
    if (e.type == "MapIterationStarted") ++map_iterations;
  }
  EXPECT_EQ(scheduled, 1);
  EXPECT_EQ(map_iterations, 2);
}

TEST(InterpreterEventsTest, FailuresEndWithExecutionFailedAndDetailsCanBeOmitted) {
  std::vector<HistoryEvent> events;
  Interpreter::Options options;
  options.on_event = [&events](const HistoryEvent& e) { events.push_back(e); };
  options.event_details = false;
  auto interp = RunSync(R"({
    "StartAt": "A",
    "States": {"A": {"Type": "Pass", "Next": "F"},
               "F": {"Type": "Fail", "Error": "E", "Cause": "C"}}
  })",
                        "{}", options);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, "ExecutionStarted");
  EXPECT_EQ(events.back().type, "ExecutionFailed");
  for (const auto& e : events) EXPECT_EQ(e.details, "") << e.type;
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].id, static_cast<int64_t>(i + 1));
}

// ===========================================================================
// Payload limit.

TEST(InterpreterPayloadTest, MaxPayloadBytesFailsWithDataLimitExceeded) {
  Interpreter::Options options;
  options.max_payload_bytes = 100;
  std::string big(200, 'a');
  // Corpus: errors/start_large_input.
  auto pass = RunSync(R"({"StartAt": "State_1", "States": {"State_1": {"Type": "Pass",
      "Result": {"Arg1": ")" +
                          big + R"("}, "End": true}}})",
                      "{}", options);
  EXPECT_EQ(Outcome(*pass),
            "FAILED States.DataLimitExceeded: The state/task 'State_1' returned a result with a "
            "size exceeding the maximum number of bytes service limit.");

  // States.ALL catches neither it nor a retry of it.
  auto task = Make(R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
      "Caught": {"Type": "Succeed"}
    }
  })",
                   options);
  Effects done =
      task->OnTaskSucceeded(OnlyTask(task->Start(J("{}"), kT0)).task_id, Json(big), kT0 + 1);
  EXPECT_TRUE(done.start_timers.empty());
  EXPECT_EQ(task->error().name, "States.DataLimitExceeded");

  // Small outputs pass, and without a limit so do big ones.
  auto small = RunSync(R"({"StartAt": "A", "States": {"A": {"Type": "Pass",
      "Result": "short", "End": true}}})",
                       "{}", options);
  EXPECT_EQ(Outcome(*small), R"(SUCCEEDED "short")");
  auto unlimited = RunSync(R"({"StartAt": "A", "States": {"A": {"Type": "Pass",
      "Result": ")" + big + R"(", "End": true}}})");
  EXPECT_EQ(unlimited->status(), ExecutionStatus::kSucceeded);
}

// ---------------------------------------------------------------------------
// Redrive: the host rebuilds the interpreter from the inputs before the one
// that ended the execution, then calls Redrive.

// One recorded input, fed to a fresh interpreter as a host replays it.
struct Fed {
  enum Kind { kStart, kSucceeded, kFailed, kTimer } kind;
  uint64_t ref = 0;
  Json value;
  TimeMs now = kT0;
};

std::unique_ptr<Interpreter> Replay(std::string_view definition, const std::vector<Fed>& log,
                                    Interpreter::Options options = {}) {
  auto interp = Make(definition, std::move(options));
  for (const auto& in : log) {
    switch (in.kind) {
      case Fed::kStart:
        interp->Start(in.value, in.now);
        break;
      case Fed::kSucceeded:
        interp->OnTaskSucceeded(in.ref, in.value, in.now);
        break;
      case Fed::kFailed:
        interp->OnTaskFailed(in.ref, AslError{"Boom", "it broke"}, in.now);
        break;
      case Fed::kTimer:
        interp->OnTimerFired(in.ref, in.now);
        break;
    }
  }
  return interp;
}

constexpr std::string_view kMapOfTasks = R"({
  "StartAt": "M",
  "States": {"M": {"Type": "Map", "End": true,
    "ItemProcessor": {"StartAt": "T", "States": {
      "T": {"Type": "Task", "Resource": "r", "End": true}}}}}
})";

TEST(InterpreterRedriveTest, AMapRerunsOnlyItsFailedAndCancelledItems) {
  auto first = Make(kMapOfTasks);
  Effects start = first->Start(J("[0, 1, 2, 3]"), kT0);
  ASSERT_EQ(start.start_tasks.size(), 4u);
  std::vector<uint64_t> ids;
  for (const auto& t : start.start_tasks) ids.push_back(t.task_id);
  std::vector<Fed> log = {{Fed::kStart, 0, J("[0, 1, 2, 3]"), kT0},
                          {Fed::kSucceeded, ids[0], J("\"a\""), kT0 + 1},
                          {Fed::kSucceeded, ids[1], J("\"b\""), kT0 + 2}};
  first->OnTaskSucceeded(ids[0], J("\"a\""), kT0 + 1);
  first->OnTaskSucceeded(ids[1], J("\"b\""), kT0 + 2);
  Effects failed = first->OnTaskFailed(ids[2], AslError{"Boom", "it broke"}, kT0 + 3);
  ASSERT_EQ(first->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(failed.cancel_tasks, std::vector<uint64_t>{ids[3]});

  // Without the failure, item 2 and the cancelled item 3 still run.
  std::vector<HistoryEvent> events;
  Interpreter::Options options;
  options.on_event = [&](const HistoryEvent& e) { events.push_back(e); };
  auto redriven = Replay(kMapOfTasks, log, options);
  ASSERT_EQ(redriven->status(), ExecutionStatus::kRunning);
  events.clear();
  Effects redrive = redriven->Redrive({1, 500, 100}, kT0 + 10'000);
  EXPECT_TRUE(redrive.start_tasks.empty());  // the host starts RunningTasks()
  EXPECT_EQ(redriven->RunningTasks(), (std::vector<uint64_t>{ids[2], ids[3]}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "ExecutionRedriven");
  EXPECT_EQ(events[0].id, 500);
  EXPECT_EQ(Details(events[0]), J(R"({"redriveCount": 1})"));
  redriven->OnTaskSucceeded(ids[3], J("\"d\""), kT0 + 11'000);
  redriven->OnTaskSucceeded(ids[2], J("\"c\""), kT0 + 12'000);
  EXPECT_EQ(Outcome(*redriven), R"(SUCCEEDED ["a","b","c","d"])");
  EXPECT_GT(events.back().id, 500);
}

TEST(InterpreterRedriveTest, RetryCountersStartAgain) {
  constexpr std::string_view kRetried = R"({
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "r", "End": true,
      "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 1}]}}
  })";
  auto first = Make(kRetried);
  uint64_t t0 = OnlyTask(first->Start(J("{}"), kT0)).task_id;
  uint64_t timer = OnlyTimer(first->OnTaskFailed(t0, AslError{"Boom", "x"}, kT0 + 1)).timer_id;
  uint64_t t1 = OnlyTask(first->OnTimerFired(timer, kT0 + 1001)).task_id;
  first->OnTaskFailed(t1, AslError{"Boom", "x"}, kT0 + 2000);
  ASSERT_EQ(first->status(), ExecutionStatus::kFailed);

  auto redriven = Replay(kRetried, {{Fed::kStart, 0, J("{}"), kT0},
                                    {Fed::kFailed, t0, Json(), kT0 + 1},
                                    {Fed::kTimer, timer, Json(), kT0 + 1001}});
  redriven->Redrive({1, 100, 100}, kT0 + 5000);
  EXPECT_EQ(redriven->RunningTasks(), std::vector<uint64_t>{t1});
  // The whole Retry budget again: a failure is retried, not the end.
  Effects again = redriven->OnTaskFailed(t1, AslError{"Boom", "x"}, kT0 + 6000);
  EXPECT_EQ(redriven->status(), ExecutionStatus::kRunning);
  uint64_t retry = OnlyTimer(again).timer_id;
  Effects rerun = redriven->OnTimerFired(retry, kT0 + 7000);
  // New tasks take ids from the host's next id, past what the host has seen.
  EXPECT_EQ(OnlyTask(rerun).task_id, 100u);
  EXPECT_EQ(OnlyTask(rerun).attempt, 1);
}

TEST(InterpreterRedriveTest, TimersStartAgainFromTheRedrive) {
  constexpr std::string_view kTimed = R"({
    "StartAt": "P", "TimeoutSeconds": 100,
    "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "End": true,
                                         "TimeoutSeconds": 30}}},
      {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 50, "End": true}}}]}}
  })";
  auto first = Make(kTimed);
  Effects start = first->Start(J("{}"), kT0);
  uint64_t task = OnlyTask(start).task_id;
  uint64_t timeout = TimerAt(start, kT0 + 30'000).timer_id;
  first->OnTimerFired(timeout, kT0 + 30'000);
  ASSERT_EQ(first->status(), ExecutionStatus::kFailed);
  EXPECT_EQ(first->error().name, "States.Timeout");

  auto redriven = Replay(kTimed, {{Fed::kStart, 0, J("{}"), kT0}});
  Effects redrive = redriven->Redrive({1, 100, 100}, kT0 + 60'000);
  EXPECT_EQ(redriven->RunningTasks(), std::vector<uint64_t>{task});
  std::vector<TimeMs> due;
  for (const auto& t : redrive.start_timers) due.push_back(t.fire_at);
  std::sort(due.begin(), due.end());
  // The Wait, due at 50 s, fires now; the task has 30 s again; the
  // execution 100 s again.
  EXPECT_EQ(due, (std::vector<TimeMs>{kT0 + 60'000, kT0 + 90'000, kT0 + 160'000}));
  EXPECT_EQ(redrive.cancel_timers.size(), 3u);
}

TEST(InterpreterRedriveTest, TheContextObjectCountsRedrives) {
  constexpr std::string_view kCounted = R"({
    "StartAt": "T",
    "States": {
      "T": {"Type": "Task", "Resource": "r", "Next": "P"},
      "P": {"Type": "Pass", "End": true,
            "Parameters": {"count.$": "$$.Execution.RedriveCount",
                           "time.$": "$$.Execution.RedriveTime"}}}
  })";
  auto interp = Make(kCounted);
  uint64_t task = OnlyTask(interp->Start(J("{}"), kT0)).task_id;
  interp->Redrive({2, 10, 10}, kT0 + 1000);
  interp->OnTaskSucceeded(task, J("{}"), kT0 + 2000);
  EXPECT_EQ(Outcome(*interp),
            "SUCCEEDED {\"count\":2,\"time\":\"" + FormatTimeMs(kT0 + 1000) + "\"}");
  // An execution that ended is not redriven by the interpreter: the host
  // leaves out the input that ended it.
  EXPECT_TRUE(interp->Redrive({3, 100, 100}, kT0 + 3000).empty());
}

}  // namespace
}  // namespace hpcflow::workflows
