#include "workflows/payload_template.h"

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "workflows/diagnostics.h"
#include "workflows/json_path.h"
#include "workflows/random_source.h"

namespace hpcflow::workflows {
namespace {

Json J(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? *parsed : Json();
}

std::string DiagText(const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.items()) out += d.pointer + ": " + d.message + "\n";
  return out;
}

// Compiles a template that must have no problems.
std::shared_ptr<const PayloadTemplate> Compile(std::string_view text) {
  Diagnostics diags;
  auto compiled = PayloadTemplate::Compile(J(text), "/States/S/Parameters", diags);
  EXPECT_TRUE(diags.empty()) << text << "\n" << DiagText(diags);
  return compiled;
}

// The diagnostics of a template that must have problems.
std::vector<Diagnostic> Problems(std::string_view text) {
  Diagnostics diags;
  PayloadTemplate::Compile(J(text), "/States/S/Parameters", diags);
  EXPECT_FALSE(diags.empty()) << text;
  return diags.items();
}

// Evaluates `tmpl` on `input` with the given context and variables; the
// compact JSON of the result or "<name>: <cause>".
std::string Eval(std::string_view tmpl, std::string_view input, std::string_view context = "{}",
                 std::string_view variables = "{}") {
  auto compiled = Compile(tmpl);
  Json in = J(input);
  Json ctx = J(context);
  Json vars = J(variables);
  SimplePathEnv env(in, &ctx, &vars);
  SeededRandom random(7);
  auto result = compiled->Evaluate(env, &random);
  if (!result) return result.error().name + ": " + result.error().cause;
  return DumpJson(*result);
}

TEST(PayloadTemplateTest, ConstantTemplatesEvaluateToThemselves) {
  for (const char* text :
       {R"({"a":1,"b":[true,null,"x"],"c":{"d":{}}})", "[1,2]", R"("s")", "3", "null", "{}"}) {
    auto compiled = Compile(text);
    EXPECT_TRUE(compiled->is_constant()) << text;
    EXPECT_EQ(Eval(text, R"({"ignored":1})"), DumpJson(J(text)));
  }
  // A "$" in a value without ".$" on its key is just a string.
  EXPECT_EQ(Eval(R"({"a":"$.x"})", R"({"x":1})"), R"({"a":"$.x"})");
}

TEST(PayloadTemplateTest, DollarKeysTakeTheirValueFromAPath) {
  EXPECT_FALSE(Compile(R"({"a.$":"$.x"})")->is_constant());
  EXPECT_EQ(Eval(R"({"a.$":"$.x", "b":2})", R"({"x":{"y":1}})"), R"({"a":{"y":1},"b":2})");
  EXPECT_EQ(Eval(R"({"whole.$":"$"})", R"([1,2])"), R"({"whole":[1,2]})");
  EXPECT_EQ(Eval(R"({"second.$":"$.l[1]"})", R"({"l":[5,6]})"), R"({"second":6})");
  // Indefinite paths give the list of matches.
  EXPECT_EQ(Eval(R"({"names.$":"$.l[*].n"})", R"({"l":[{"n":"a"},{"n":"b"}]})"),
            R"({"names":["a","b"]})");
  EXPECT_EQ(Eval(R"({"none.$":"$.l[*].n"})", "{}"), R"({"none":[]})");
  // null found is a value.
  EXPECT_EQ(Eval(R"({"n.$":"$.n"})", R"({"n":null})"), R"({"n":null})");
}

TEST(PayloadTemplateTest, KeepsKeyOrderAsWritten) {
  EXPECT_EQ(Eval(R"({"z":1,"y.$":"$.v","x":3})", R"({"v":2})"), R"({"z":1,"y":2,"x":3})");
}

TEST(PayloadTemplateTest, ReadsContextAndVariables) {
  EXPECT_EQ(Eval(R"({"name.$":"$$.State.Name","v.$":"$count","w.$":"$obj.k[0]"})", "{}",
                 R"({"State":{"Name":"S1"}})", R"({"count":3,"obj":{"k":["a"]}})"),
            R"({"name":"S1","v":3,"w":"a"})");
  EXPECT_EQ(Eval(R"({"ctx.$":"$$"})", "{}", R"({"a":1})"), R"({"ctx":{"a":1}})");
}

TEST(PayloadTemplateTest, NestedObjectsAndArraysAreEvaluatedToo) {
  std::string tmpl = R"({
    "outer": {"inner.$": "$.a", "fixed": [1, {"deep.$": "$.b"}]},
    "list": [{"x.$": "$.a"}, "plain", ["$.a"]]
  })";
  EXPECT_FALSE(Compile(tmpl)->is_constant());
  EXPECT_EQ(Eval(tmpl, R"({"a":"A","b":"B"})"),
            R"({"outer":{"inner":"A","fixed":[1,{"deep":"B"}]},)"
            R"("list":[{"x":"A"},"plain",["$.a"]]})");
}

TEST(PayloadTemplateTest, IntrinsicCalls) {
  EXPECT_EQ(
      Eval(R"j({"msg.$":"States.Format('{} has {} items', $.name, States.ArrayLength($.l))"})j",
           R"({"name":"box","l":[1,2,3]})"),
      R"({"msg":"box has 3 items"})");
  EXPECT_EQ(
      Eval(R"j({"arr.$":"States.Array($.a, $v, 'lit')"})j", R"({"a":1})", "{}", R"({"v":true})"),
      R"({"arr":[1,true,"lit"]})");
  EXPECT_EQ(Eval(R"j({"s.$":"States.Format('{}', $$.Execution.Name)"})j", "{}",
                 R"({"Execution":{"Name":"exec"}})"),
            R"({"s":"exec"})");
}

TEST(PayloadTemplateTest, RandomIntrinsicsDrawFromTheGivenSource) {
  auto compiled = Compile(R"j({"id.$":"States.UUID()","n.$":"States.MathRandom(0, 1000000)"})j");
  Json in = J("{}");
  SimplePathEnv env(in);
  SeededRandom a(42), b(42), c(43);
  auto first = compiled->Evaluate(env, &a);
  auto same_seed = compiled->Evaluate(env, &b);
  auto other_seed = compiled->Evaluate(env, &c);
  ASSERT_TRUE(first && same_seed && other_seed);
  EXPECT_EQ(*first, *same_seed);
  EXPECT_NE(*first, *other_seed);
  // Drawing again from the same source moves on.
  auto second = compiled->Evaluate(env, &a);
  ASSERT_TRUE(second);
  EXPECT_NE((*first)["id"], (*second)["id"]);
}

TEST(PayloadTemplateTest, MissingPathFailsWithAwsWording) {
  EXPECT_EQ(Eval(R"({"a.$":"$.x"})", R"({"y":1})"),
            "States.Runtime: The JSONPath '$.x' specified for the field 'a.$' could not be "
            R"(found in the input '{"y":1}')");
  // Nested: the field named is the innermost key as written.
  EXPECT_EQ(Eval(R"({"o":{"deep.$":"$.l[3]"}})", R"({"l":[]})"),
            "States.Runtime: The JSONPath '$.l[3]' specified for the field 'deep.$' could not be "
            R"(found in the input '{"l":[]}')");
  // A context path that matches nothing quotes the context object.
  EXPECT_EQ(Eval(R"({"c.$":"$$.Nope"})", R"({"i":1})", R"({"Execution":{}})"),
            "States.Runtime: The JSONPath '$$.Nope' specified for the field 'c.$' could not be "
            R"(found in the input '{"Execution":{}}')");
  // An undefined variable fails too.
  auto undefined = Eval(R"({"v.$":"$nope"})", "{}");
  EXPECT_EQ(undefined.rfind("States.Runtime: ", 0), 0u) << undefined;
}

TEST(PayloadTemplateTest, IntrinsicFailuresAreRuntimeErrors) {
  auto result = Eval(R"j({"a.$":"States.MathAdd($.n, 1)"})j", R"({"n":"x"})");
  EXPECT_EQ(result.rfind("States.Runtime: The function 'States.MathAdd($.n, 1)'", 0), 0u) << result;
}

TEST(PayloadTemplateTest, ReportsBadDollarValuesAtTheirPointer) {
  auto not_string = Problems(R"({"ok":1,"a.$":5})");
  ASSERT_EQ(not_string.size(), 1u);
  EXPECT_EQ(not_string[0].pointer, "/States/S/Parameters/a.$");
  EXPECT_NE(not_string[0].message.find("must be a string"), std::string::npos);

  auto bad_path = Problems(R"({"nested":{"p.$":"$.a["}})");
  ASSERT_EQ(bad_path.size(), 1u);
  EXPECT_EQ(bad_path[0].pointer, "/States/S/Parameters/nested/p.$");
  EXPECT_NE(bad_path[0].message.find("neither a valid JSONPath nor an intrinsic"),
            std::string::npos);

  auto not_a_path = Problems(R"({"p.$":"hello"})");
  ASSERT_EQ(not_a_path.size(), 1u);
  EXPECT_EQ(not_a_path[0].pointer, "/States/S/Parameters/p.$");

  auto bad_call = Problems(R"j({"list":[{"f.$":"States.MathAdd(1)"}]})j");
  ASSERT_EQ(bad_call.size(), 1u);
  EXPECT_EQ(bad_call[0].pointer, "/States/S/Parameters/list/0/f.$");
  EXPECT_NE(bad_call[0].message.find("States.MathAdd"), std::string::npos);

  auto unknown_function = Problems(R"j({"f.$":"States.NoSuchThing($.a)"})j");
  ASSERT_EQ(unknown_function.size(), 1u);
  EXPECT_EQ(unknown_function[0].pointer, "/States/S/Parameters/f.$");

  // Every problem is reported, not just the first; keys with '/' or '~' are escaped.
  auto several = Problems(R"({"a/b.$":1,"c~d.$":"$.[","e.$":"$.ok"})");
  ASSERT_EQ(several.size(), 2u);
  EXPECT_EQ(several[0].pointer, "/States/S/Parameters/a~1b.$");
  EXPECT_EQ(several[1].pointer, "/States/S/Parameters/c~0d.$");
}

TEST(PayloadTemplateTest, ResolveFieldPathUsesAwsWording) {
  Json input = J(R"({"a":{"b":1}})");
  SimplePathEnv env(input);
  auto found = ResolveFieldPath(*JsonPath::Parse("$.a"), env);
  ASSERT_TRUE(found);
  EXPECT_EQ(DumpJson(*found), R"({"b":1})");

  auto missing = ResolveFieldPath(*JsonPath::Parse("$.a.c"), env);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().name, "States.Runtime");
  EXPECT_EQ(missing.error().cause, "Invalid path '$.a.c' : No results for path: $['a']['c']");

  // Indefinite paths over missing data give an empty list, as on AWS.
  auto empty = ResolveFieldPath(*JsonPath::Parse("$.items[*]"), env);
  ASSERT_TRUE(empty);
  EXPECT_EQ(DumpJson(*empty), "[]");
}

}  // namespace
}  // namespace hpcflow::workflows
