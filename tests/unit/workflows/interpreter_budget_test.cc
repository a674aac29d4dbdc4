// The interpreter's step budget: long or endless loops of Pass and Choice
// states return to the host in bounded steps (Effects::more, Continue()).
#include <gtest/gtest.h>

#include "workflows/definition.h"
#include "workflows/interpreter.h"

namespace hpcflow::workflows {
namespace {

std::shared_ptr<const Definition> Parse(const char* text) {
  Diagnostics diags;
  auto definition = ParseDefinition(Json::parse(text), diags);
  EXPECT_TRUE(diags.empty()) << (diags.empty() ? "" : diags.items()[0].message);
  return definition;
}

TEST(InterpreterBudgetTest, LongLoopIsCutIntoStepsAndEndsRight) {
  auto definition = Parse(R"json({"StartAt":"Init","States":{
    "Init":{"Type":"Pass","Result":{"count":0},"Next":"Inc"},
    "Inc":{"Type":"Pass","Parameters":{"count.$":"States.MathAdd($.count, 1)"},"Next":"Check"},
    "Check":{"Type":"Choice","Choices":[{"Variable":"$.count","NumericLessThan":1000,
      "Next":"Inc"}],"Default":"Done"},
    "Done":{"Type":"Succeed"}}})json");
  Interpreter::Options options;
  options.max_transitions_per_step = 100;
  Interpreter interpreter(definition, ExecutionInfo{}, options);
  Effects effects = interpreter.Start(Json::object(), 0);
  int steps = 1;
  while (effects.more) {
    EXPECT_EQ(interpreter.status(), ExecutionStatus::kRunning);
    effects = interpreter.Continue(steps);
    ++steps;
  }
  EXPECT_EQ(interpreter.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(interpreter.output(), Json({{"count", 1000}}));
  EXPECT_EQ(interpreter.transitions(), 2002);
  EXPECT_EQ(steps, 21);  // 2002 transitions, 100 per step
}

TEST(InterpreterBudgetTest, EndlessLoopReturnsAndCanBeStopped) {
  auto definition = Parse(R"json({"StartAt":"L","States":{"L":{"Type":"Pass","Next":"L"}}})json");
  Interpreter::Options options;
  options.max_transitions_per_step = 1000;
  Interpreter interpreter(definition, ExecutionInfo{}, options);
  Effects effects = interpreter.Start(Json::object(), 0);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(effects.more);
    effects = interpreter.Continue(i);
  }
  EXPECT_EQ(interpreter.transitions(), 6000);
  interpreter.Stop(AslError{"States.Aborted", "stopped"}, 10);
  EXPECT_EQ(interpreter.status(), ExecutionStatus::kAborted);
  EXPECT_FALSE(interpreter.Continue(11).more);
}

TEST(InterpreterBudgetTest, MapItemsResumeAcrossSteps) {
  auto definition = Parse(R"json({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})json");
  Interpreter::Options options;
  options.max_transitions_per_step = 7;
  Interpreter interpreter(definition, ExecutionInfo{}, options);
  Json items = Json::array();
  for (int i = 0; i < 50; ++i) items.push_back(i);
  Effects effects = interpreter.Start(items, 0);
  while (effects.more) effects = interpreter.Continue(1);
  EXPECT_EQ(interpreter.status(), ExecutionStatus::kSucceeded);
  EXPECT_EQ(interpreter.output(), items);
}

}  // namespace
}  // namespace hpcflow::workflows
