#include "workflows/definition.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "workflows/diagnostics.h"

namespace hpcflow::workflows {
namespace {

Json J(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.has_value()) << text << "\n" << (parsed ? "" : parsed.error().cause);
  return parsed ? *parsed : Json();
}

std::string DiagText(const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.items()) out += d.pointer + ": " + d.message + "\n";
  return out;
}

// A definition that must be valid.
std::shared_ptr<const Definition> ValidJson(const Json& document) {
  Diagnostics diags;
  auto definition = ParseDefinition(document, diags);
  EXPECT_NE(definition, nullptr) << DiagText(diags);
  EXPECT_TRUE(diags.empty()) << DiagText(diags);
  return definition;
}
std::shared_ptr<const Definition> Valid(std::string_view text) { return ValidJson(J(text)); }

// The problems of a definition that must be rejected.
Diagnostics InvalidJson(const Json& document) {
  Diagnostics diags;
  auto definition = ParseDefinition(document, diags);
  EXPECT_EQ(definition, nullptr);
  EXPECT_FALSE(diags.empty());
  return diags;
}
Diagnostics Invalid(std::string_view text) { return InvalidJson(J(text)); }

// A workflow whose start state "S" is `state`; other states may be added
// through `more` (the inside of an object, without braces).
std::string OneState(std::string_view state, std::string_view more = "") {
  std::string out = R"({"StartAt":"S","States":{"S":)";
  out += state;
  if (!more.empty()) {
    out += ',';
    out += more;
  }
  out += "}}";
  return out;
}

// Succeeds when `diags` holds a problem at exactly `pointer` whose message
// contains `words`.
::testing::AssertionResult HasProblem(const Diagnostics& diags, std::string_view pointer,
                                      std::string_view words) {
  for (const auto& d : diags.items()) {
    if (d.pointer == pointer && d.message.find(words) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no problem at '" << pointer << "' mentioning '" << words << "'; got:\n"
         << DiagText(diags);
}

// ---------------------------------------------------------------------------
// What a valid definition compiles to.

TEST(DefinitionTest, CompilesTransitionsToIndexes) {
  auto def = Valid(R"({
    "Comment": "demo", "Version": "1.0", "TimeoutSeconds": 60,
    "StartAt": "B",
    "States": {
      "A": {"Type": "Succeed"},
      "B": {"Type": "Pass", "Next": "C"},
      "C": {"Type": "Choice",
            "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "A"}],
            "Default": "D"},
      "D": {"Type": "Task", "Resource": "hpcflow:::job:run", "End": true,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "A"}]}
    }
  })");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->comment, "demo");
  EXPECT_EQ(def->version, "1.0");
  ASSERT_TRUE(def->timeout_seconds.has_value());
  EXPECT_EQ(*def->timeout_seconds, 60);
  const StateMachine& m = def->machine;
  ASSERT_EQ(m.states.size(), 4u);
  int a = m.index_by_name.at("A"), b = m.index_by_name.at("B"), c = m.index_by_name.at("C"),
      d = m.index_by_name.at("D");
  EXPECT_EQ(m.start, b);
  EXPECT_EQ(m.states[b].type, StateType::kPass);
  EXPECT_EQ(m.states[b].next, c);
  EXPECT_FALSE(m.states[b].end);
  ASSERT_EQ(m.states[c].choices.size(), 1u);
  EXPECT_EQ(m.states[c].choices[0].next, a);
  EXPECT_EQ(m.states[c].default_next, d);
  EXPECT_TRUE(m.states[d].end);
  EXPECT_EQ(m.states[d].next, -1);
  EXPECT_EQ(m.states[d].resource, "hpcflow:::job:run");
  ASSERT_EQ(m.states[d].catchers.size(), 1u);
  EXPECT_EQ(m.states[d].catchers[0].next, a);
  EXPECT_EQ(m.states[a].type, StateType::kSucceed);
  EXPECT_STREQ(StateTypeName(m.states[d].type), "Task");
}

TEST(DefinitionTest, CompilesPathsAndRetriers) {
  auto def = Valid(OneState(R"({
    "Type": "Task", "Resource": "r", "End": true,
    "InputPath": "$.in", "OutputPath": null, "ResultPath": null,
    "TimeoutSecondsPath": "$.t", "HeartbeatSeconds": 5,
    "Retry": [{"ErrorEquals": ["A", "B"], "IntervalSeconds": 3, "MaxAttempts": 4,
               "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"},
              {"ErrorEquals": ["States.ALL"]}]
  })"));
  ASSERT_NE(def, nullptr);
  const State& s = def->machine.states[0];
  ASSERT_TRUE(s.input_path.path.has_value());
  EXPECT_EQ(s.input_path.path->text(), "$.in");
  EXPECT_TRUE(s.output_path.is_null);
  EXPECT_TRUE(s.result_path.discard);
  ASSERT_TRUE(s.timeout_seconds.path.has_value());
  EXPECT_FALSE(s.timeout_seconds.value.has_value());
  ASSERT_TRUE(s.heartbeat_seconds.value.has_value());
  EXPECT_EQ(*s.heartbeat_seconds.value, 5);
  ASSERT_EQ(s.retry.size(), 2u);
  EXPECT_EQ(s.retry[0].errors, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(s.retry[0].interval_seconds, 3);
  EXPECT_EQ(s.retry[0].max_attempts, 4);
  EXPECT_EQ(s.retry[0].backoff_rate, 1.5);
  ASSERT_TRUE(s.retry[0].max_delay_seconds.has_value());
  EXPECT_EQ(*s.retry[0].max_delay_seconds, 10);
  EXPECT_TRUE(s.retry[0].full_jitter);
  // Defaults from the ASL spec.
  EXPECT_EQ(s.retry[1].interval_seconds, 1);
  EXPECT_EQ(s.retry[1].max_attempts, 3);
  EXPECT_EQ(s.retry[1].backoff_rate, 2.0);
  EXPECT_FALSE(s.retry[1].max_delay_seconds.has_value());
  EXPECT_FALSE(s.retry[1].full_jitter);
}

TEST(DefinitionTest, AcceptsNestedMachinesAndBothMapSpellings) {
  auto def = Valid(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "Next": "M",
            "Branches": [
              {"StartAt": "P1", "States": {"P1": {"Type": "Pass", "End": true}}},
              {"StartAt": "P2", "States": {"P2": {"Type": "Pass", "End": true}}}]},
      "M": {"Type": "Map", "Next": "L", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ItemSelector": {"i.$": "$$.Map.Item.Index"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"},
                              "StartAt": "M1", "States": {"M1": {"Type": "Pass", "End": true}}}},
      "L": {"Type": "Map", "End": true, "Parameters": {"v.$": "$$.Map.Item.Value"},
            "Iterator": {"StartAt": "L1", "States": {"L1": {"Type": "Succeed"}}}}
    }
  })");
  ASSERT_NE(def, nullptr);
  const auto& states = def->machine.states;
  const State& p = states[def->machine.index_by_name.at("P")];
  ASSERT_EQ(p.branches.size(), 2u);
  EXPECT_EQ(p.branches[1]->states[0].name, "P2");
  const State& m = states[def->machine.index_by_name.at("M")];
  ASSERT_NE(m.processor, nullptr);
  EXPECT_EQ(m.processor->states[0].name, "M1");
  EXPECT_NE(m.parameters, nullptr);
  ASSERT_TRUE(m.max_concurrency.value.has_value());
  EXPECT_EQ(*m.max_concurrency.value, 2);
  const State& l = states[def->machine.index_by_name.at("L")];
  ASSERT_NE(l.processor, nullptr);
  EXPECT_NE(l.parameters, nullptr);
}

// ---------------------------------------------------------------------------
// The shape of the document.

TEST(DefinitionTest, RejectsDocumentsWithoutAStateMachine) {
  EXPECT_TRUE(HasProblem(Invalid("[]"), "", "must be an object"));
  EXPECT_TRUE(HasProblem(Invalid(R"({"StartAt":"A"})"), "", "States must be a non-empty object"));
  EXPECT_TRUE(HasProblem(Invalid(R"({"StartAt":"A","States":{}})"), "/States",
                         "States must be a non-empty object"));
  EXPECT_TRUE(HasProblem(Invalid(R"({"StartAt":"A","States":[]})"), "/States",
                         "States must be a non-empty object"));
  EXPECT_TRUE(
      HasProblem(Invalid(R"({"States":{"A":{"Type":"Succeed"}}})"), "", "StartAt must name"));
  EXPECT_TRUE(HasProblem(Invalid(R"({"StartAt":1,"States":{"A":{"Type":"Succeed"}}})"), "/StartAt",
                         "StartAt must name"));
  EXPECT_TRUE(HasProblem(Invalid(R"({"StartAt":"B","States":{"A":{"Type":"Succeed"}}})"),
                         "/StartAt", "'B'"));
}

TEST(DefinitionTest, RejectsBadTopLevelFields) {
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Succeed"})").insert(1, R"("Foo":1,)")),
                         "/Foo", "not allowed"));
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Succeed"})").insert(1, R"("TimeoutSeconds":-1,)")),
                 "/TimeoutSeconds", "non-negative integer"));
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Succeed"})").insert(1, R"("TimeoutSeconds":"10",)")),
                 "/TimeoutSeconds", "non-negative integer"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Succeed"})").insert(1, R"("Version":1,)")),
                         "/Version", "must be a string"));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"({"Type":"Succeed"})").insert(1, R"("QueryLanguage":"JSONata",)")),
      "/QueryLanguage", "not supported"));
  Valid(OneState(R"({"Type":"Succeed"})").insert(1, R"("QueryLanguage":"JSONPath",)"));
}

TEST(DefinitionTest, ReportsEveryProblemNotJustTheFirst) {
  auto diags = Invalid(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "Next": "Nowhere", "Bogus": 1},
      "B": {"Type": "Wat"},
      "C": {"Type": "Task", "End": true}
    }
  })");
  EXPECT_TRUE(HasProblem(diags, "/States/A/Next", "'Nowhere'"));
  EXPECT_TRUE(HasProblem(diags, "/States/A/Bogus", "not allowed"));
  EXPECT_TRUE(HasProblem(diags, "/States/B/Type", "unknown state type 'Wat'"));
  EXPECT_TRUE(HasProblem(diags, "/States/C", "needs Resource"));
  EXPECT_EQ(diags.items().size(), 4u) << DiagText(diags);
}

// ---------------------------------------------------------------------------
// States and their fields.

TEST(DefinitionTest, UnknownOrMissingStateType) {
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Lambda","End":true})")), "/States/S/Type",
                         "unknown state type 'Lambda'"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"pass","End":true})")), "/States/S/Type",
                         "unknown state type"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"End":true})")), "/States/S", "has no Type"));
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":7,"End":true})")), "/States/S/Type", "string"));
  EXPECT_TRUE(HasProblem(Invalid(OneState("[]")), "/States/S", "must be an object"));
}

TEST(DefinitionTest, FieldsAllowedPerStateType) {
  struct Case {
    const char* state;  // with the offending field
    const char* field;
  };
  const Case cases[] = {
      {R"({"Type":"Pass","End":true,"Frobnicate":1})", "Frobnicate"},
      {R"({"Type":"Pass","End":true,"Retry":[]})", "Retry"},
      {R"({"Type":"Pass","End":true,"Catch":[]})", "Catch"},
      {R"({"Type":"Pass","End":true,"ResultSelector":{}})", "ResultSelector"},
      {R"({"Type":"Pass","End":true,"Resource":"r"})", "Resource"},
      {R"({"Type":"Task","Resource":"r","End":true,"Result":1})", "Result"},
      {R"({"Type":"Task","Resource":"r","End":true,"Branches":[]})", "Branches"},
      {R"({"Type":"Task","Resource":"r","End":true,"Seconds":1})", "Seconds"},
      {R"({"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"T"}],"Next":"T"})",
       "Next"},
      {R"({"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"T"}],"End":true})",
       "End"},
      {R"({"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"T"}],
           "ResultPath":"$.x"})",
       "ResultPath"},
      {R"({"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"T"}],
           "Parameters":{}})",
       "Parameters"},
      {R"({"Type":"Wait","Seconds":1,"End":true,"Parameters":{}})", "Parameters"},
      {R"({"Type":"Wait","Seconds":1,"End":true,"ResultPath":"$.x"})", "ResultPath"},
      {R"({"Type":"Wait","Seconds":1,"End":true,"Retry":[]})", "Retry"},
      {R"({"Type":"Succeed","Next":"T"})", "Next"},
      {R"({"Type":"Succeed","End":true})", "End"},
      {R"({"Type":"Succeed","ResultPath":"$.x"})", "ResultPath"},
      {R"({"Type":"Succeed","Parameters":{}})", "Parameters"},
      {R"({"Type":"Succeed","Assign":{}})", "Assign"},
      {R"({"Type":"Fail","Next":"T"})", "Next"},
      {R"({"Type":"Fail","InputPath":"$"})", "InputPath"},
      {R"({"Type":"Fail","OutputPath":"$"})", "OutputPath"},
      {R"({"Type":"Fail","Assign":{}})", "Assign"},
      {R"({"Type":"Parallel","End":true,"Resource":"r",
           "Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}]})",
       "Resource"},
      {R"({"Type":"Parallel","End":true,"ItemsPath":"$",
           "Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}]})",
       "ItemsPath"},
      {R"({"Type":"Map","End":true,"Branches":[],
           "ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}})",
       "Branches"},
      {R"({"Type":"Map","End":true,"Result":1,
           "ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}})",
       "Result"},
  };
  for (const auto& c : cases) {
    auto diags = Invalid(OneState(c.state, R"("T":{"Type":"Succeed"})"));
    EXPECT_TRUE(HasProblem(diags, std::string("/States/S/") + c.field, "is not allowed in a"))
        << c.state;
  }
  // Comment is allowed everywhere.
  Valid(OneState(R"({"Type":"Succeed","Comment":"fine"})"));
  Valid(OneState(R"({"Type":"Fail","Comment":"fine","Error":"E"})"));
}

TEST(DefinitionTest, NextAndEnd) {
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Pass"})")), "/States/S", "needs Next or End"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":false})")), "/States/S",
                         "needs Next or End"));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"({"Type":"Pass","Next":"T","End":true})", R"("T":{"Type":"Succeed"})")),
      "/States/S", "both Next and End"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":"yes"})")), "/States/S/End",
                         "must be a boolean"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","Next":3})")), "/States/S/Next",
                         "must be a state name"));
  // Task, Wait, Parallel and Map need them too.
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","Resource":"r"})")), "/States/S",
                         "needs Next or End"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Wait","Seconds":1})")), "/States/S",
                         "needs Next or End"));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(
          R"({"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}]})")),
      "/States/S", "needs Next or End"));
}

TEST(DefinitionTest, TransitionsToUnknownStates) {
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","Next":"Nope"})")), "/States/S/Next",
                         "'Nope' is not a state of this state machine"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Choice","Default":"Nope",
                           "Choices":[{"Variable":"$.a","IsNull":true,"Next":"T"}]})",
                                          R"("T":{"Type":"Succeed"})")),
                         "/States/S/Default", "'Nope'"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Choice",
                                      "Choices":[{"Variable":"$.a","IsNull":true,"Next":"T"},
                                                 {"Variable":"$.a","IsNull":false,"Next":"X"}]})",
                                          R"("T":{"Type":"Succeed"})")),
                         "/States/S/Choices/1/Next", "'X'"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","Resource":"r","End":true,
                           "Catch":[{"ErrorEquals":["E"],"Next":"Gone"}]})")),
                         "/States/S/Catch/0/Next", "'Gone'"));
  // Names are case-sensitive.
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Pass","Next":"t"})", R"("T":{"Type":"Succeed"})")),
                 "/States/S/Next", "'t'"));
}

TEST(DefinitionTest, TransitionsCannotLeaveAParallelBranch) {
  auto diags = Invalid(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "Next": "After",
            "Branches": [
              {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
              {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Next": "After"}}}]},
      "After": {"Type": "Succeed"}
    }
  })");
  EXPECT_TRUE(HasProblem(diags, "/States/P/Branches/1/States/B2/Next",
                         "(a transition cannot leave its branch)"));
  // Nor into another branch.
  auto sibling = Invalid(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true,
            "Branches": [
              {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
              {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Next": "B1"}}}]}
    }
  })");
  EXPECT_TRUE(HasProblem(sibling, "/States/P/Branches/1/States/B2/Next", "'B1'"));
  // A branch's StartAt must name one of its own states.
  auto start = Invalid(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "Next": "Out",
            "Branches": [{"StartAt": "Out", "States": {"B1": {"Type": "Succeed"}}}]},
      "Out": {"Type": "Succeed"}
    }
  })");
  EXPECT_TRUE(HasProblem(start, "/States/P/Branches/0/StartAt", "'Out'"));
}

TEST(DefinitionTest, TransitionsCannotLeaveAMapProcessor) {
  for (const char* key : {"ItemProcessor", "Iterator"}) {
    std::string text = std::string(R"({
      "StartAt": "M",
      "States": {
        "M": {"Type": "Map", "Next": "After", ")") +
                       key + R"(": {
                "StartAt": "I",
                "States": {"I": {"Type": "Task", "Resource": "r", "Next": "After",
                                 "Catch": [{"ErrorEquals": ["E"], "Next": "M"}]}}}},
        "After": {"Type": "Succeed"}
      }
    })";
    auto diags = Invalid(text);
    std::string base = std::string("/States/M/") + key + "/States/I";
    EXPECT_TRUE(HasProblem(diags, base + "/Next", "(a transition cannot leave its branch)")) << key;
    EXPECT_TRUE(HasProblem(diags, base + "/Catch/0/Next", "'M'")) << key;
  }
}

TEST(DefinitionTest, UnreachableStates) {
  auto diags = Invalid(R"({
    "StartAt": "A",
    "States": {
      "A": {"Type": "Pass", "Next": "B"},
      "B": {"Type": "Succeed"},
      "Orphan": {"Type": "Pass", "Next": "B"}
    }
  })");
  EXPECT_TRUE(HasProblem(diags, "/States/Orphan", "not reachable"));
  EXPECT_EQ(diags.items().size(), 1u) << DiagText(diags);

  // Inside a branch too.
  auto nested = Invalid(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "B1",
                          "States": {"B1": {"Type": "Succeed"},
                                     "B2": {"Type": "Succeed"}}}]}
    }
  })");
  EXPECT_TRUE(HasProblem(nested, "/States/P/Branches/0/States/B2", "not reachable"));

  // Reaching a state only through Choice rules, a Default or a Catch is fine.
  Valid(R"({
    "StartAt": "C",
    "States": {
      "C": {"Type": "Choice", "Default": "D",
            "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "R"}]},
      "R": {"Type": "Succeed"},
      "D": {"Type": "Task", "Resource": "r", "End": true,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
      "Caught": {"Type": "Succeed"}
    }
  })");
}

TEST(DefinitionTest, StateNamesMustBeUniqueInTheWholeWorkflow) {
  // Duplicate keys within one States object never get here (the loader in
  // source_document.h rejects them); the same name in nested machines does.
  auto branches = Invalid(R"({
    "StartAt": "P",
    "States": {
      "P": {"Type": "Parallel", "End": true,
            "Branches": [
              {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}},
              {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}}]}
    }
  })");
  EXPECT_TRUE(HasProblem(branches, "/States/P/Branches/1/States/Work", "duplicate state name"));
  EXPECT_EQ(branches.items().size(), 1u) << DiagText(branches);

  auto outer_and_inner = Invalid(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "Next": "Done",
            "ItemProcessor": {"StartAt": "Done",
                              "States": {"Done": {"Type": "Succeed"}}}},
      "Done": {"Type": "Succeed"}
    }
  })");
  EXPECT_TRUE(HasProblem(outer_and_inner, "/States/M/ItemProcessor/States/Done",
                         "duplicate state name 'Done'"));

  // A state named like its own parent is a duplicate too.
  auto parent = Invalid(R"({
    "StartAt": "M",
    "States": {
      "M": {"Type": "Map", "End": true,
            "Iterator": {"StartAt": "M", "States": {"M": {"Type": "Succeed"}}}}
    }
  })");
  EXPECT_TRUE(HasProblem(parent, "/States/M/Iterator/States/M", "duplicate state name 'M'"));
}

TEST(DefinitionTest, StateNameLength) {
  std::string long_name(81, 'x');
  auto diags = Invalid(R"({"StartAt":")" + long_name + R"(","States":{")" + long_name +
                       R"(":{"Type":"Succeed"}}})");
  EXPECT_TRUE(HasProblem(diags, "/States/" + long_name, "1 to 80 characters"));
  std::string ok_name(80, 'y');
  Valid(R"({"StartAt":")" + ok_name + R"(","States":{")" + ok_name + R"(":{"Type":"Succeed"}}})");
  // Pointers escape '/' and '~' in names.
  auto escaped = Invalid(R"({"StartAt":"a/b~c","States":{"a/b~c":{"Type":"Pass"}}})");
  EXPECT_TRUE(HasProblem(escaped, "/States/a~1b~0c", "needs Next or End"));
}

TEST(DefinitionTest, BadPaths) {
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"ResultPath":"$.a[*]"})")),
                         "/States/S/ResultPath", "must be a reference path"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"ResultPath":"$..a"})")),
                         "/States/S/ResultPath", "must be a reference path"));
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"ResultPath":"$$.Execution"})")),
                 "/States/S/ResultPath", "must start with '$.'"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"ResultPath":"$var.a"})")),
                         "/States/S/ResultPath", "must start with '$.'"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"ResultPath":"a"})")),
                         "/States/S/ResultPath", "must start with '$'"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"ResultPath":1})")),
                         "/States/S/ResultPath", "must be a string"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"InputPath":"$.a["})")),
                         "/States/S/InputPath", "invalid JSONPath"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"OutputPath":5})")),
                         "/States/S/OutputPath", "must be a string"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","Resource":"r","End":true,
                           "Catch":[{"ErrorEquals":["E"],"Next":"T","ResultPath":"$[0:1]"}]})",
                                          R"("T":{"Type":"Succeed"})")),
                         "/States/S/Catch/0/ResultPath", "must be a reference path"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Map","End":true,"ItemsPath":"$.a[*]",
                           "ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}})")),
                         "/States/S/ItemsPath", "must be a reference path"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Wait","End":true,"SecondsPath":"$.a[*]"})")),
                         "/States/S/SecondsPath", "must be a reference path"));
  // Indefinite paths are fine where a value may be a list.
  Valid(OneState(R"({"Type":"Pass","End":true,"InputPath":"$.a[*]","OutputPath":"$..b"})"));
  // Variables and the context object may be read.
  Valid(OneState(R"({"Type":"Pass","End":true,"InputPath":"$$.Execution.Input"})"));
}

TEST(DefinitionTest, BadTemplatesAndIntrinsics) {
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"j({"Type":"Pass","End":true,"Parameters":{"a.$":"States.Nope(1)"}})j")),
      "/States/S/Parameters/a.$", ""));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(
          R"j({"Type":"Pass","End":true,"Parameters":{"x":{"a.$":"States.MathAdd($.a)"}}})j")),
      "/States/S/Parameters/x/a.$", "States.MathAdd"));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"({"Type":"Pass","End":true,"Parameters":{"a.$":"States.Format('x'"}})")),
      "/States/S/Parameters/a.$", ""));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","Resource":"r","End":true,
                           "ResultSelector":{"a.$":"$.["}})")),
                         "/States/S/ResultSelector/a.$", ""));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"({"Type":"Task","Resource":"r","End":true,"ResultSelector":[]})")),
      "/States/S/ResultSelector", "must be an object"));
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"j({"Type":"Pass","End":true,"Assign":{"v.$":"States.UUID(1)"}})j")),
      "/States/S/Assign/v.$", ""));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"Assign":[1]})")),
                         "/States/S/Assign", "must be an object"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Map","End":true,"ItemSelector":{"i.$":7},
                           "ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}})")),
                         "/States/S/ItemSelector/i.$", "must be a string"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","Resource":"r","End":true,
                           "Catch":[{"ErrorEquals":["E"],"Next":"T","Assign":{"e.$":"$.["}}]})",
                                          R"("T":{"Type":"Succeed"})")),
                         "/States/S/Catch/0/Assign/e.$", ""));
}

TEST(DefinitionTest, RetryShape) {
  auto task = [](const char* retry) {
    return OneState(std::string(R"({"Type":"Task","Resource":"r","End":true,"Retry":)") + retry +
                    "}");
  };
  EXPECT_TRUE(HasProblem(Invalid(task("{}")), "/States/S/Retry", "must be an array"));
  EXPECT_TRUE(HasProblem(Invalid(task("[1]")), "/States/S/Retry/0", "must be an object"));
  EXPECT_TRUE(HasProblem(Invalid(task("[{}]")), "/States/S/Retry/0", "ErrorEquals"));
  EXPECT_TRUE(
      HasProblem(Invalid(task(R"([{"ErrorEquals":[]}])")), "/States/S/Retry/0", "non-empty"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A",2]}])")),
                         "/States/S/Retry/0/ErrorEquals/1", "must be strings"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"Backoff":2}])")),
                         "/States/S/Retry/0/Backoff", "not allowed in a retrier"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"Next":"X"}])")),
                         "/States/S/Retry/0/Next", "not allowed in a retrier"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"BackoffRate":0.5}])")),
                         "/States/S/Retry/0/BackoffRate", "at least 1.0"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"MaxAttempts":-1}])")),
                         "/States/S/Retry/0/MaxAttempts", "between"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"MaxAttempts":1.5}])")),
                         "/States/S/Retry/0/MaxAttempts", "integer"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"IntervalSeconds":0}])")),
                         "/States/S/Retry/0/IntervalSeconds", "between"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"MaxDelaySeconds":0}])")),
                         "/States/S/Retry/0/MaxDelaySeconds", "between"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"JitterStrategy":"HALF"}])")),
                         "/States/S/Retry/0/JitterStrategy", "FULL or NONE"));
  // States.ALL must be alone and last.
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["States.ALL","A"]}])")),
                         "/States/S/Retry/0/ErrorEquals", "must appear alone"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["A"]}])")),
                         "/States/S/Retry", "must be the last one"));
  Valid(task(R"([{"ErrorEquals":["A","B"]},{"ErrorEquals":["States.ALL"]}])"));
  Valid(task(R"([{"ErrorEquals":["A"],"MaxAttempts":0,"Comment":"never"}])"));
}

TEST(DefinitionTest, CatchShape) {
  auto task = [](const char* catchers) {
    return OneState(
        std::string(R"({"Type":"Task","Resource":"r","End":true,"Catch":)") + catchers + "}",
        R"("T":{"Type":"Succeed"})");
  };
  EXPECT_TRUE(HasProblem(Invalid(task("{}")), "/States/S/Catch", "must be an array"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"(["T"])")), "/States/S/Catch/0", "must be an object"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"Next":"T"}])")), "/States/S/Catch/0", "ErrorEquals"));
  EXPECT_TRUE(
      HasProblem(Invalid(task(R"([{"ErrorEquals":["A"]}])")), "/States/S/Catch/0", "needs Next"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A"],"Next":"T","MaxAttempts":1}])")),
                         "/States/S/Catch/0/MaxAttempts", "not allowed in a catcher"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["A","States.ALL"],"Next":"T"}])")),
                         "/States/S/Catch/0/ErrorEquals", "must appear alone"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"([{"ErrorEquals":["States.ALL"],"Next":"T"},
                                          {"ErrorEquals":["A"],"Next":"T"}])")),
                         "/States/S/Catch", "must be the last one"));
  Valid(task(R"([{"ErrorEquals":["A"],"Next":"T","ResultPath":"$.err","Assign":{"x":1}},
                 {"ErrorEquals":["States.ALL"],"Next":"T","ResultPath":null}])"));
}

TEST(DefinitionTest, TaskTimeouts) {
  auto task = [](const char* fields) {
    return OneState(std::string(R"({"Type":"Task","Resource":"r","End":true,)") + fields + "}");
  };
  EXPECT_TRUE(HasProblem(Invalid(task(R"("TimeoutSeconds":10,"TimeoutSecondsPath":"$.t")")),
                         "/States/S/TimeoutSeconds",
                         "only one of TimeoutSeconds and TimeoutSecondsPath"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"("HeartbeatSeconds":1,"HeartbeatSecondsPath":"$.h")")),
                         "/States/S/HeartbeatSeconds",
                         "only one of HeartbeatSeconds and HeartbeatSecondsPath"));
  EXPECT_TRUE(
      HasProblem(Invalid(task(R"("TimeoutSeconds":0)")), "/States/S/TimeoutSeconds", "between"));
  EXPECT_TRUE(
      HasProblem(Invalid(task(R"("TimeoutSeconds":"10")")), "/States/S/TimeoutSeconds", "integer"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"("TimeoutSeconds":10,"HeartbeatSeconds":10)")),
                         "/States/S/HeartbeatSeconds", "smaller than TimeoutSeconds"));
  EXPECT_TRUE(HasProblem(Invalid(task(R"("TimeoutSecondsPath":"$.t[*]")")),
                         "/States/S/TimeoutSecondsPath", "reference path"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","End":true})")), "/States/S",
                         "needs Resource"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Task","Resource":"","End":true})")),
                         "/States/S/Resource", "must not be empty"));
  Valid(task(R"("TimeoutSeconds":10,"HeartbeatSeconds":9)"));
  Valid(task(R"("TimeoutSecondsPath":"$.t","HeartbeatSecondsPath":"$.h")"));
}

TEST(DefinitionTest, WaitNeedsExactlyOneDuration) {
  auto wait = [](const char* fields) {
    return OneState(std::string(R"({"Type":"Wait","End":true)") + fields + "}");
  };
  EXPECT_TRUE(HasProblem(Invalid(wait("")), "/States/S", "exactly one of Seconds"));
  EXPECT_TRUE(HasProblem(Invalid(wait(R"(,"Seconds":1,"SecondsPath":"$.s")")), "/States/S",
                         "exactly one of Seconds"));
  EXPECT_TRUE(HasProblem(Invalid(wait(R"(,"Seconds":1,"Timestamp":"2024-01-01T00:00:00Z")")),
                         "/States/S", "exactly one of Seconds"));
  EXPECT_TRUE(HasProblem(Invalid(wait(R"(,"TimestampPath":"$.t","SecondsPath":"$.s")")),
                         "/States/S", "exactly one of Seconds"));
  EXPECT_TRUE(HasProblem(Invalid(wait(R"(,"Timestamp":"2024-01-01","TimestampPath":"$.t")")),
                         "/States/S", "exactly one of Seconds"));
  EXPECT_TRUE(
      HasProblem(Invalid(wait(R"(,"Timestamp":"tomorrow")")), "/States/S/Timestamp", "ISO-8601"));
  EXPECT_TRUE(HasProblem(Invalid(wait(R"(,"Seconds":-1)")), "/States/S/Seconds", "between"));
  Valid(wait(R"(,"Seconds":0)"));
  Valid(wait(R"(,"SecondsPath":"$.s")"));
  Valid(wait(R"(,"Timestamp":"2024-01-31T12:00:00Z")"));
  Valid(wait(R"(,"TimestampPath":"$.t")"));
}

TEST(DefinitionTest, MapShape) {
  const char* body = R"({"StartAt":"B","States":{"B":{"Type":"Succeed"}}})";
  auto map = [&](const std::string& fields) {
    return OneState(R"({"Type":"Map","End":true)" + fields + "}");
  };
  EXPECT_TRUE(HasProblem(
      Invalid(map(std::string(R"(,"Iterator":)") + body + R"(,"ItemProcessor":)" + body)),
      "/States/S/Iterator", "only one of ItemProcessor and Iterator"));
  EXPECT_TRUE(HasProblem(Invalid(map("")), "/States/S", "needs ItemProcessor"));
  EXPECT_TRUE(HasProblem(Invalid(map(std::string(R"(,"ItemProcessor":)") + body +
                                     R"(,"ItemSelector":{},"Parameters":{})")),
                         "/States/S/Parameters", "only one of ItemSelector and Parameters"));
  EXPECT_TRUE(HasProblem(Invalid(map(std::string(R"(,"ItemProcessor":)") + body +
                                     R"(,"MaxConcurrency":1,"MaxConcurrencyPath":"$.m")")),
                         "/States/S/MaxConcurrency", "only one of"));
  EXPECT_TRUE(HasProblem(
      Invalid(map(std::string(R"(,"ItemProcessor":)") + body + R"(,"MaxConcurrency":-1)")),
      "/States/S/MaxConcurrency", "between"));
  EXPECT_TRUE(HasProblem(Invalid(map(std::string(R"(,"ItemProcessor":)") + body +
                                     R"(,"ToleratedFailurePercentage":101)")),
                         "/States/S/ToleratedFailurePercentage", "between"));
  EXPECT_TRUE(HasProblem(Invalid(map(R"(,"ItemProcessor":{"ProcessorConfig":{"Mode":"FAST"},)"
                                     R"("StartAt":"B","States":{"B":{"Type":"Succeed"}}})")),
                         "/States/S/ItemProcessor/ProcessorConfig/Mode", "invalid Mode"));
  EXPECT_TRUE(HasProblem(Invalid(map(R"(,"ItemProcessor":{"ProcessorConfig":{"Speed":"x"},)"
                                     R"("StartAt":"B","States":{"B":{"Type":"Succeed"}}})")),
                         "/States/S/ItemProcessor/ProcessorConfig/Speed", "not allowed"));
  EXPECT_TRUE(HasProblem(Invalid(map(R"(,"ItemProcessor":{"StartAt":"B","States":{}})")),
                         "/States/S/ItemProcessor/States", "non-empty"));
  EXPECT_TRUE(HasProblem(Invalid(map(R"(,"ItemProcessor":{"StartAt":"B","States":)"
                                     R"({"B":{"Type":"Pass"}}})")),
                         "/States/S/ItemProcessor/States/B", "needs Next or End"));
  EXPECT_TRUE(HasProblem(Invalid(map(std::string(R"(,"ItemProcessor":)") + body + R"(,"Label":")" +
                                     std::string(41, 'L') + "\"")),
                         "/States/S/Label", "at most 40"));
  Valid(map(std::string(R"(,"ItemProcessor":)") + body +
            R"(,"ToleratedFailureCount":2,"ToleratedFailurePercentage":12.5,"Label":"ok")"));
}

TEST(DefinitionTest, ParallelShape) {
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Parallel","End":true})")), "/States/S", "Branches"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Parallel","End":true,"Branches":[]})")),
                         "/States/S/Branches", "non-empty array"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Parallel","End":true,"Branches":[3]})")),
                         "/States/S/Branches/0", "must be an object"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Parallel","End":true,
                           "Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}},
                                        "Extra":1}]})")),
                         "/States/S/Branches/0/Extra", "not allowed"));
}

TEST(DefinitionTest, ChoiceAndFailShape) {
  EXPECT_TRUE(HasProblem(
      Invalid(OneState(R"({"Type":"Choice","Default":"T"})", R"("T":{"Type":"Succeed"})")),
      "/States/S", "needs Choices"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Choice","Choices":[],"Default":"T"})",
                                          R"("T":{"Type":"Succeed"})")),
                         "/States/S/Choices", "non-empty array"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Fail","Error":"E","ErrorPath":"$.e"})")),
                         "/States/S/Error", "only one of Error and ErrorPath"));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Fail","CausePath":"States.Format(1, 2"})")),
                         "/States/S/CausePath", ""));
  EXPECT_TRUE(HasProblem(Invalid(OneState(R"({"Type":"Fail","Error":5})")), "/States/S/Error",
                         "must be a string"));
  Valid(OneState(R"({"Type":"Fail"})"));
  Valid(OneState(R"j({"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('{}', $.c)"})j"));
}

TEST(DefinitionTest, QueryLanguageJsonataIsRefusedPerState) {
  EXPECT_TRUE(
      HasProblem(Invalid(OneState(R"({"Type":"Pass","End":true,"QueryLanguage":"JSONata"})")),
                 "/States/S/QueryLanguage", "not supported"));
  Valid(OneState(R"({"Type":"Pass","End":true,"QueryLanguage":"JSONPath"})"));
}

// Builds `levels` Parallel states nested inside each other.
Json NestedParallels(int levels) {
  Json machine = J(R"({"StartAt":"Leaf","States":{"Leaf":{"Type":"Succeed"}}})");
  // Moves, not copies: copying a deep value would recurse.
  for (int i = levels; i > 0; --i) {
    Json branches = Json::array();
    branches.push_back(std::move(machine));
    Json state = Json::object();
    state["Type"] = "Parallel";
    state["End"] = true;
    state["Branches"] = std::move(branches);
    std::string name = std::to_string(i);
    name.insert(name.begin(), 'L');  // not "L" + ...: a false GCC 12 -Wrestrict
    machine = Json::object();
    machine["StartAt"] = name;
    machine["States"] = Json::object();
    machine["States"][name] = std::move(state);
  }
  return machine;
}

TEST(DefinitionTest, NestingLimit) {
  // 64 nested machines below the top level are fine...
  ValidJson(NestedParallels(64));
  // ...one more is reported where it starts.
  auto diags = InvalidJson(NestedParallels(65));
  std::string pointer;
  for (int i = 1; i <= 65; ++i) pointer += "/States/L" + std::to_string(i) + "/Branches/0";
  EXPECT_TRUE(HasProblem(diags, pointer, "nested more than 64 levels"));
  EXPECT_EQ(diags.items().size(), 1u) << DiagText(diags);
  // Thousands of levels are refused without exhausting the stack.
  InvalidJson(NestedParallels(2000));
}

}  // namespace
}  // namespace hpcflow::workflows
