#include "workflows/intrinsics.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/digest.h"
#include "workflows/json_path.h"
#include "workflows/random_source.h"

namespace hpcflow::workflows {
namespace {

Json J(std::string_view text) { return Json::parse(text); }

// Structural equality as the conformance runner compares: object key order
// does not matter, numbers compare by value (1 == 1.0).
bool SameJson(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a == b;
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !SameJson(*it, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

// An execution's worth of roots: input, a context object like AWS's, variables.
struct Roots {
  explicit Roots(Json in, Json vars = Json::object())
      : input(std::move(in)), variables(std::move(vars)) {
    context = {{"Execution",
                {{"Id", "arn:aws:states:us-east-1:111111111111:execution:MyMachine-abc-123:run-1"},
                 {"Input", input},
                 {"Name", "run-1"},
                 {"RoleArn", "arn:aws:iam::111111111111:role/r"},
                 {"RedriveCount", 0}}},
               {"StateMachine",
                {{"Id", "arn:aws:states:us-east-1:111111111111:stateMachine:MyMachine-abc-123"},
                 {"Name", "MyMachine-abc-123"}}},
               {"State", {{"Name", "State0"}, {"EnteredTime", "2024-01-01T00:00:00.000Z"}}}};
  }
  SimplePathEnv env() const { return SimplePathEnv(input, &context, &variables); }

  Json input;
  Json context;
  Json variables;
};

std::shared_ptr<const Intrinsic> MustParse(std::string_view text) {
  auto call = ParseIntrinsic(text);
  if (!call) {
    ADD_FAILURE() << "parse failed for " << text << ": " << call.error().cause;
    return nullptr;
  }
  return *call;
}

Result<Json> Eval(std::string_view text, const Roots& roots, RandomSource* random = nullptr) {
  auto call = ParseIntrinsic(text);
  if (!call) return Fail(call.error());
  return EvaluateIntrinsic(**call, roots.env(), random);
}

Result<Json> Eval(std::string_view text, const Json& input = Json::object(),
                  RandomSource* random = nullptr) {
  return Eval(text, Roots(input), random);
}

// The value of a call that must succeed (null and a test failure otherwise).
Json Value(std::string_view text, const Json& input = Json::object()) {
  auto result = Eval(text, input);
  if (!result) {
    ADD_FAILURE() << text << " failed: " << result.error().name << ": " << result.error().cause;
    return Json();
  }
  return *result;
}

// The cause of a call that must parse but fail at run time.
std::string RuntimeCause(std::string_view text, const Json& input = Json::object()) {
  auto call = ParseIntrinsic(text);
  if (!call) {
    ADD_FAILURE() << text << " did not parse: " << call.error().cause;
    return "";
  }
  SeededRandom random(1);
  auto result = EvaluateIntrinsic(**call, Roots(input).env(), &random);
  if (result) {
    ADD_FAILURE() << text << " succeeded with " << result->dump();
    return "";
  }
  EXPECT_EQ(result.error().name, "States.Runtime") << text;
  return result.error().cause;
}

// The message of a call that must not parse.
std::string ParseError(std::string_view text) {
  auto call = ParseIntrinsic(text);
  if (call) {
    ADD_FAILURE() << text << " parsed";
    return "";
  }
  EXPECT_EQ(call.error().name, "parse");
  return call.error().cause;
}

std::string Invalid(std::string_view expr, std::string_view function) {
  return "The function '" + std::string(expr) + "' had the following error: Invalid arguments in " +
         std::string(function);
}

// ---------------------------------------------------------------------------
// The AWS-recorded corpus.

struct CorpusCase {
  const char* name;
  const char* expression;  // JSON text of the "FunctionResult.$" string
  const char* input;
  const char* expected;
};

constexpr CorpusCase kCorpus[] = {
#include "intrinsics_corpus_cases.inc"
};

TEST(IntrinsicCorpusTest, MatchesWhatAwsRecorded) {
  for (const auto& c : kCorpus) {
    SCOPED_TRACE(c.name);
    const std::string expr = J(c.expression).get<std::string>();
    auto result = Eval(expr, Roots(J(c.input)));
    ASSERT_TRUE(result) << expr << ": " << result.error().cause;
    EXPECT_TRUE(SameJson(*result, J(c.expected)))
        << expr << "\n got " << result->dump() << "\n want " << c.expected;
  }
}

TEST(IntrinsicCorpusTest, ContextObjectInFormat) {
  // intrinsic/context_json_path: an object argument is printed Java-style.
  Roots roots(J(R"({"FunctionInput": null})"));
  auto result = Eval(
      "States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, "
      "$$.StateMachine)",
      roots);
  ASSERT_TRUE(result) << result.error().cause;
  EXPECT_EQ(*result,
            "Formatting arguments fst=run-1 and snd={Id=arn:aws:states:us-east-1:111111111111:"
            "stateMachine:MyMachine-abc-123, Name=MyMachine-abc-123}.");
}

TEST(IntrinsicCorpusTest, JsonMergeOfParsedLiteralAndContext) {
  // intrinsic/json_merge_escaped_argument.
  Roots roots(J(R"({"input_field": {"constant_input_field": "constant_value"}})"));
  auto result = Eval(R"(States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), )"
                     R"($$.Execution.Input.input_field, false))",
                     roots);
  ASSERT_TRUE(result) << result.error().cause;
  EXPECT_TRUE(SameJson(
      *result, J(R"({"constant_input_field": "constant_value", "constant_in_literal": "false"})")));
}

TEST(IntrinsicCorpusTest, NestedCalls) {
  // intrinsic/nested_calls_1 and _2: the first and the last part of the name.
  Roots roots(J(R"({"FunctionInput": null})"));
  auto first = Eval("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", roots);
  ASSERT_TRUE(first) << first.error().cause;
  EXPECT_EQ(*first, "MyMachine");
  auto last = Eval(
      "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
      "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
      roots);
  ASSERT_TRUE(last) << last.error().cause;
  EXPECT_EQ(*last, "123");
}

TEST(IntrinsicCorpusTest, VariablesAsArguments) {
  // variables/reference_assign_BASE_REFERENCE_IN_INTRINSIC_FUNCTION.
  Roots roots(Json::object(), J(R"({
      "duplicateArray": [1, 2, 2, 3, 3, 4], "rawString": "Hello World",
      "encodedString": "SGVsbG8gV29ybGQ=", "inputString": "Hash this string",
      "json1": {"a": 1, "b": 2}, "json2": {"c": 3, "d": 4}, "jsonString": "{\"key\":\"value\"}",
      "jsonObject": {"test": "object"}, "value1": 5, "value2": 3, "csvString": "a,b,c,d,e",
      "name": "John", "place": "LocalStack", "AnswerTemplate": "It's {}!"})"));
  auto check = [&](const char* expr, const Json& want) {
    auto result = Eval(expr, roots);
    ASSERT_TRUE(result) << expr << ": " << result.error().cause;
    EXPECT_TRUE(SameJson(*result, want)) << expr << " gave " << result->dump();
  };
  check("States.Base64Encode($rawString)", "SGVsbG8gV29ybGQ=");
  check("States.Base64Decode($encodedString)", "Hello World");
  check("States.Hash($inputString, 'SHA-256')",
        "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e");
  check("States.JsonMerge($json1, $json2, false)", J(R"({"a":1,"b":2,"c":3,"d":4})"));
  check("States.StringToJson($jsonString)", J(R"({"key":"value"})"));
  check("States.JsonToString($jsonObject)", R"({"test":"object"})");
  check("States.MathAdd($value1, $value2)", 8);
  check("States.StringSplit($csvString, ',')", J(R"(["a","b","c","d","e"])"));
  check("States.Format('Hello {}, welcome to {}!', $name, $place)",
        "Hello John, welcome to LocalStack!");
  check("States.ArrayUnique($duplicateArray)", J("[1,2,3,4]"));
  // variables/reference_in_map_state_...: the template itself from a variable.
  check("States.Format($AnswerTemplate, 'Pikachu')", "It's Pikachu!");
}

TEST(IntrinsicCorpusTest, FailStateErrorPathAndCausePath) {
  // errors/state_fail_intrinsic.
  const Json input = J(R"({"Error": "error string", "Cause": "cause string"})");
  EXPECT_EQ(Value("States.Format('{}', $.Error)", input), "error string");
  EXPECT_EQ(Value("States.Format('This is a custom error message for {}, caused by {}.', "
                  "$.Error, $.Cause)",
                  input),
            "This is a custom error message for error string, caused by cause string.");
}

// ---------------------------------------------------------------------------
// Parsing.

TEST(IntrinsicParseTest, LooksLikeIntrinsic) {
  EXPECT_TRUE(LooksLikeIntrinsic("States.Format('x')"));
  EXPECT_TRUE(LooksLikeIntrinsic("States."));
  EXPECT_FALSE(LooksLikeIntrinsic("$.States.Format"));
  EXPECT_FALSE(LooksLikeIntrinsic(" States.Array()"));
  EXPECT_FALSE(LooksLikeIntrinsic("states.Array()"));
  EXPECT_FALSE(LooksLikeIntrinsic(""));
}

TEST(IntrinsicParseTest, RecordsFunctionTextAndRandomness) {
  auto call = MustParse("States.MathAdd( $.a ,1 )");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->function(), IntrinsicFunction::kMathAdd);
  EXPECT_EQ(call->text(), "States.MathAdd( $.a ,1 )");
  EXPECT_FALSE(call->uses_randomness());
  EXPECT_EQ(IntrinsicFunctionName(IntrinsicFunction::kUuid), "States.UUID");
  EXPECT_EQ(IntrinsicFunctionName(IntrinsicFunction::kArrayGetItem), "States.ArrayGetItem");
  EXPECT_TRUE(MustParse("States.Array(States.UUID())")->uses_randomness());
  EXPECT_TRUE(MustParse("States.MathRandom(1, 10)")->uses_randomness());
  EXPECT_FALSE(MustParse("States.MathRandom(1, 10, 5)")->uses_randomness());
}

TEST(IntrinsicParseTest, AcceptsEveryFunctionWithItsArity) {
  for (const char* text : {"States.Format('x')",
                           "States.Format('{} {}', 1, 2)",
                           "States.StringToJson('1')",
                           "States.JsonToString($)",
                           "States.Array()",
                           "States.Array(1, 'a', true, false, null)",
                           "States.ArrayPartition($.a, 2)",
                           "States.ArrayContains($.a, 1)",
                           "States.ArrayRange(1, 9, 2)",
                           "States.ArrayGetItem($.a, 0)",
                           "States.ArrayLength($.a)",
                           "States.ArrayUnique($.a)",
                           "States.Base64Encode('x')",
                           "States.Base64Decode('eA==')",
                           "States.Hash('x', 'MD5')",
                           "States.JsonMerge($.a, $.b, false)",
                           "States.MathRandom(1, 2)",
                           "States.MathRandom(1, 2, 3)",
                           "States.MathAdd(1, 2)",
                           "States.StringSplit('a', ',')",
                           "States.UUID()",
                           "States.UUID( )",
                           "States.Array ( 1 ,2 )",
                           "States.Array($$, $, $$.Execution.Input, $var.x[0], $var)",
                           "States.Array($['a b'], $.a[?(@.x > 1)].y, $..z, $.a[1:3], $.a[*])",
                           "States.Array(-1, 0, 1.5, -2.5e3, 1E+2, 0.0, 99999999999999999999)"}) {
    EXPECT_TRUE(ParseIntrinsic(text)) << text << ": " << ParseIntrinsic(text).error().cause;
  }
}

TEST(IntrinsicParseTest, RejectsWrongArgumentCounts) {
  EXPECT_EQ(ParseError("States.MathAdd(1)"),
            "invalid intrinsic function call 'States.MathAdd(1)': States.MathAdd takes 2 "
            "arguments, got 1");
  EXPECT_NE(ParseError("States.Format()").find("takes at least 1 argument, got 0"),
            std::string::npos);
  EXPECT_NE(ParseError("States.MathRandom(1)").find("takes 2 or 3 arguments, got 1"),
            std::string::npos);
  EXPECT_NE(ParseError("States.UUID(1)").find("takes 0 arguments, got 1"), std::string::npos);
  for (const char* text :
       {"States.StringToJson()", "States.JsonToString($, $)", "States.ArrayPartition($.a)",
        "States.ArrayContains($.a)", "States.ArrayRange(1, 2)", "States.ArrayRange(1, 5, 1, 99)",
        "States.ArrayGetItem($.a)", "States.ArrayLength()", "States.ArrayUnique($.a, 1)",
        "States.Base64Encode()", "States.Base64Decode('a', 'b')", "States.Hash('x')",
        "States.JsonMerge($.a, $.b)", "States.JsonMerge($.a, $.b, false, 1)",
        "States.MathRandom(1, 10, 5, 99)", "States.MathAdd(1, 2, 3)", "States.StringSplit('a')"}) {
    EXPECT_NE(ParseError(text).find("takes"), std::string::npos) << text;
  }
}

TEST(IntrinsicParseTest, RejectsMalformedCalls) {
  EXPECT_NE(ParseError("States.Foo(1)").find("unknown intrinsic function 'States.Foo'"),
            std::string::npos);
  EXPECT_NE(ParseError("States.format('x')").find("unknown intrinsic function"), std::string::npos);
  EXPECT_NE(ParseError("States.").find("expected a function name"), std::string::npos);
  EXPECT_NE(ParseError("States.Array").find("expected '('"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(").find("expected an argument"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(1").find("missing ')'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array($.a) trailing").find("after the closing ')'"),
            std::string::npos);
  EXPECT_NE(ParseError("States.Array(1 2)").find("expected ',' or ')'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(1,)").find("unexpected ')'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(,1)").find("unexpected ','"), std::string::npos);
  EXPECT_NE(ParseError("States.Array([1,2])").find("unexpected '['"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(foo)").find("unexpected 'foo'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(True)").find("unexpected 'True'"), std::string::npos);
  EXPECT_NE(ParseError("States.Array(\"x\")").find("unexpected '\"'"), std::string::npos);
  for (const char* bad : {"1.", ".5", "+1", "01", "1e", "1.5.5", "--1", "1a", "0x10"}) {
    const std::string text = std::string("States.Array(") + bad + ")";
    EXPECT_FALSE(ParseIntrinsic(text)) << text;
  }
  EXPECT_NE(ParseError("States.Array(1e309)").find("out of range"), std::string::npos);
  EXPECT_NE(ParseError("States.Array($.a[)").find("invalid path '$.a["), std::string::npos);
  EXPECT_TRUE(ParseIntrinsic("States.Array(1) \n"));  // trailing whitespace is fine
}

TEST(IntrinsicParseTest, StringLiteralsAndEscapes) {
  EXPECT_EQ(Value(R"(States.Format('it\'s \{\} \\ {}', 'x'))"), R"(it's {} \ x)");
  EXPECT_EQ(Value(R"(States.Array('a,b', 'c)d', '', ' ', '"q"'))"),
            J(R"(["a,b", "c)d", "", " ", "\"q\""])"));
  EXPECT_EQ(Value("States.Array('Zürich 日本 😀')"), J(R"(["Zürich 日本 😀"])"));
  // Unescaped braces are plain characters outside a Format template.
  EXPECT_EQ(Value(R"(States.StringToJson('{"a": [1, {}]}'))"), J(R"({"a": [1, {}]})"));
  EXPECT_NE(ParseError(R"(States.Array('abc))").find("unterminated string literal"),
            std::string::npos);
  // AWS refuses \n and other escapes when the definition is created.
  EXPECT_NE(ParseError(R"(States.Base64Decode('YWJj\nZA=='))").find("invalid escape '\\n'"),
            std::string::npos);
  EXPECT_FALSE(ParseIntrinsic(R"(States.Array('\"'))"));
  EXPECT_FALSE(ParseIntrinsic(R"(States.Array('\u0041'))"));
  EXPECT_FALSE(ParseIntrinsic("States.Array('abc\\"));
}

TEST(IntrinsicParseTest, LimitsNesting) {
  auto nest = [](int depth) {
    std::string text;
    for (int i = 0; i < depth; ++i) text += "States.Array(";
    text += "1";
    for (int i = 0; i < depth; ++i) text += ")";
    return text;
  };
  EXPECT_TRUE(ParseIntrinsic(nest(11)));  // above AWS's documented 10, still accepted
  EXPECT_TRUE(ParseIntrinsic(nest(64)));
  EXPECT_NE(ParseError(nest(65)).find("nested more than 64 deep"), std::string::npos);
  // Far deeper input fails fast instead of exhausting the stack.
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "States.Array(";
  EXPECT_FALSE(ParseIntrinsic(deep));
  Json nested = Value(nest(11));
  for (int i = 0; i < 11; ++i) nested = nested[0];
  EXPECT_EQ(nested, 1);
}

TEST(IntrinsicParseTest, NeverThrowsOnGarbage) {
  // A crude fuzz: every prefix of some valid calls, plus byte noise.
  const std::string samples[] = {
      R"(States.Format('a {} \{ \' b', States.JsonToString($.x[0]['k']), 1.5e3, null))",
      "States.ArrayRange($$.Execution.Input.a, -1, States.MathAdd($var.v, 2))"};
  for (const auto& s : samples) {
    for (size_t n = 0; n <= s.size(); ++n) {
      auto call = ParseIntrinsic(s.substr(0, n));
      if (call) {
        SeededRandom random(3);
        (void)EvaluateIntrinsic(**call, Roots(Json::object()).env(), &random);
      }
    }
  }
  std::string noise = "States.Array(";
  for (int i = 0; i < 256; ++i) noise += static_cast<char>(i);
  EXPECT_FALSE(ParseIntrinsic(noise));
}

// ---------------------------------------------------------------------------
// Errors at run time.

TEST(IntrinsicErrorTest, MissingPathNamesTheWholeExpressionAndTheInput) {
  EXPECT_EQ(RuntimeCause("States.Format('{}', $.nope)", J(R"({"other":1})")),
            "The function 'States.Format('{}', $.nope)' had the following error: The JsonPath "
            "argument for the field '$.nope' could not be found in the input '{\"other\":1}'");
  // Nested: still the whole expression; spacing kept as written.
  EXPECT_EQ(RuntimeCause("States.Format('{}',States.Format('{}', $.a.b))", J(R"({"other":1})")),
            "The function 'States.Format('{}',States.Format('{}', $.a.b))' had the following "
            "error: The JsonPath argument for the field '$.a.b' could not be found in the "
            "input '{\"other\":1}'");
  // A $$ path is named with one '$'; the state input is what is quoted.
  EXPECT_EQ(RuntimeCause("States.Format('{}', $$.Nope.Deep)", J(R"({"other":1})")),
            "The function 'States.Format('{}', $$.Nope.Deep)' had the following error: The "
            "JsonPath argument for the field '$.Nope.Deep' could not be found in the input "
            "'{\"other\":1}'");
  EXPECT_NE(RuntimeCause("States.ArrayLength($missingVar)").find("field '$missingVar'"),
            std::string::npos);
  // Out of range indexes and indexing a non-array are misses too.
  EXPECT_NE(RuntimeCause("States.Format('{}', $.items[5])", J(R"({"items":[1,2]})"))
                .find("'$.items[5]' could not be found"),
            std::string::npos);
  EXPECT_NE(
      RuntimeCause("States.Format('{}', $.other[0])", J(R"({"other":1})")).find("'$.other[0]'"),
      std::string::npos);
  // The first failing argument is reported, before any type check.
  EXPECT_NE(RuntimeCause("States.MathAdd('a', $.b)").find("'$.b' could not be found"),
            std::string::npos);
}

TEST(IntrinsicErrorTest, PresentNullAndEmptyWildcardsAreValues) {
  EXPECT_EQ(Value("States.Format('{}', $.nul)", J(R"({"nul":null})")), "null");
  EXPECT_EQ(Value("States.ArrayLength($.items[*].nope)", J(R"({"items":[1,2]})")), 0);
  EXPECT_EQ(Value("States.JsonToString($)", J(R"({"other":1})")), R"({"other":1})");
}

TEST(IntrinsicErrorTest, RandomFunctionsNeedARandomSource) {
  auto call = MustParse("States.UUID()");
  auto result = EvaluateIntrinsic(*call, Roots(Json::object()).env(), nullptr);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().name, "States.Runtime");
  EXPECT_NE(result.error().cause.find("needs a random source"), std::string::npos);
  auto random = MustParse("States.MathRandom(1, 5)");
  EXPECT_FALSE(EvaluateIntrinsic(*random, Roots(Json::object()).env(), nullptr));
  // A seeded MathRandom does not.
  EXPECT_TRUE(EvaluateIntrinsic(*MustParse("States.MathRandom(1, 5, 7)"),
                                Roots(Json::object()).env(), nullptr));
}

// ---------------------------------------------------------------------------
// States.Format

TEST(IntrinsicFormatTest, RendersEveryKindOfValue) {
  const Json input = J(R"({"s": "x", "n": 1, "f": 1.1, "b": false, "z": null, "neg": -1,
                           "o": {"Arg1": 1, "Arg2": [], "s": "t", "n": null, "in": {"k": [1, "a"]}},
                           "a": [1, "two", [3], {"k": true}], "e": {}, "ea": []})");
  EXPECT_EQ(Value("States.Format('{}|{}|{}|{}|{}|{}', $.s, $.n, $.f, $.b, $.z, $.neg)", input),
            "x|1|1.1|false|null|-1");
  EXPECT_EQ(Value("States.Format('{}', $.o)", input),
            "{Arg1=1, Arg2=[], s=t, n=null, in={k=[1, a]}}");
  EXPECT_EQ(Value("States.Format('{} {} {}', $.a, $.e, $.ea)", input),
            "[1, two, [3], {k=true}] {} []");
  EXPECT_EQ(Value("States.Format('{}{}', 'a', 2.5e3)"), "a2500.0");
  EXPECT_EQ(Value("States.Format('no placeholders')"), "no placeholders");
  EXPECT_EQ(Value("States.Format('  {}  ', 'x')"), "  x  ");
  EXPECT_EQ(Value(R"(States.Format('Name: \'{}\', Surname: "{}"', 'G', 'M'))"),
            R"(Name: 'G', Surname: "M")");
  EXPECT_EQ(Value("States.Format('arn:{}:{}', 'lambda', States.JsonToString($.o.in))", input),
            R"(arn:lambda:{"k":[1,"a"]})");
}

TEST(IntrinsicFormatTest, EscapedBracesAreNotPlaceholders) {
  // A common real-world idiom: building JSON text with Format.
  EXPECT_EQ(
      Value(R"(States.StringToJson(States.Format('\{"a":\{\}, "n":{}\}', $.n)))", J(R"({"n": 5})")),
      J(R"({"a": {}, "n": 5})"));
}

TEST(IntrinsicFormatTest, TemplateFromAPath) {
  EXPECT_EQ(Value("States.Format($.t, $.n)", J(R"({"t": "Hello {}", "n": "Ada"})")), "Hello Ada");
  EXPECT_EQ(Value("States.Format($.t, 1)", J(R"({"t": "a\\{b\\} {} c\\d"})")), "a{b} 1 c\\d");
  EXPECT_EQ(RuntimeCause("States.Format($.t, $.n)", J(R"({"t": 123, "n": "Ada"})")),
            Invalid("States.Format($.t, $.n)", "States.Format"));
}

TEST(IntrinsicFormatTest, BadTemplatesAndCountsFailAtRunTime) {
  const std::string prefix = "had the following error: ";
  EXPECT_NE(RuntimeCause("States.Format('{} {}', 'x')")
                .find(prefix + "Invalid arguments in States.Format: number of arguments do not "
                               "match the occurrences of {}."),
            std::string::npos);
  EXPECT_NE(RuntimeCause("States.Format('{}', 'x', 'y')").find("number of arguments"),
            std::string::npos);
  EXPECT_NE(RuntimeCause("States.Format('Hello {', 'x')")
                .find("Invalid template in States.Format: matching '}' not found for '{'."),
            std::string::npos);
  EXPECT_NE(RuntimeCause("States.Format('Hello {{}}', 'x')").find("Invalid template"),
            std::string::npos);
  EXPECT_NE(RuntimeCause("States.Format('}')")
                .find("Invalid template in States.Format: matching '{' not found for '}'."),
            std::string::npos);
  EXPECT_NE(RuntimeCause("States.Format(1)").find("Invalid arguments in States.Format"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// JSON functions

TEST(IntrinsicJsonTest, StringToJson) {
  EXPECT_EQ(Value("States.StringToJson('')"), Json());
  EXPECT_EQ(Value("States.StringToJson(' ')"), Json());
  EXPECT_EQ(Value("States.StringToJson($.s)", J(R"({"s": " \n\t "})")), Json());
  EXPECT_EQ(Value("States.StringToJson('-0')"), 0);
  EXPECT_EQ(Value("States.StringToJson(' [1, 2] ')"), J("[1, 2]"));
  EXPECT_EQ(Value(R"(States.StringToJson('"x"'))"), "x");
  EXPECT_EQ(RuntimeCause("States.StringToJson('{bad')"),
            Invalid("States.StringToJson('{bad')", "States.StringToJson"));
  EXPECT_FALSE(Eval("States.StringToJson('1 2')"));
  EXPECT_FALSE(Eval("States.StringToJson($.o)", J(R"({"o": {"a": 1}})")));
  EXPECT_FALSE(Eval("States.StringToJson(1)"));
  // Deeply nested text is refused (Jackson's limit is 1000), not recursed into.
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  EXPECT_FALSE(Eval("States.StringToJson($.s)", Json{{"s", deep}}));
  std::string ok_depth = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_TRUE(Eval("States.StringToJson($.s)", Json{{"s", ok_depth}}));
  // Brackets inside strings do not count.
  EXPECT_EQ(Value("States.StringToJson($.s)", Json{{"s", "\"" + std::string(3000, '[') + "\""}}),
            std::string(3000, '['));
}

TEST(IntrinsicJsonTest, JsonToString) {
  EXPECT_EQ(Value("States.JsonToString($.x)", J(R"({"x": {"b": [1, 2.5, "é"], "a": null}})")),
            R"({"b":[1,2.5,"é"],"a":null})");
  EXPECT_EQ(Value("States.JsonToString('x')"), R"("x")");
  EXPECT_EQ(Value("States.JsonToString(null)"), "null");
}

TEST(IntrinsicJsonTest, JsonMergeIsShallow) {
  const Json input =
      J(R"({"a": {"x": {"l": 1}, "k": 1, "y": 2}, "b": {"y": 3, "x": {"r": 2}, "z": 4}})");
  const Json merged = Value("States.JsonMerge($.a, $.b, false)", input);
  EXPECT_EQ(merged.dump(),
            R"({"x":{"r":2},"k":1,"y":3,"z":4})");  // overwritten keys keep their place
  EXPECT_EQ(Value("States.JsonMerge($.a, $.e, false)", J(R"({"a": {"x": 1}, "e": {}})")),
            J(R"({"x": 1})"));
  // AWS takes a non-boolean flag such as 'false' as shallow (observed).
  EXPECT_EQ(Value("States.JsonMerge($.a, $.b, 'false')", J(R"({"a": {"x": 1}, "b": {"y": 2}})")),
            J(R"({"x": 1, "y": 2})"));
  EXPECT_EQ(RuntimeCause("States.JsonMerge($.a, $.b, true)", input),
            Invalid("States.JsonMerge($.a, $.b, true)", "States.JsonMerge"));
  EXPECT_FALSE(Eval("States.JsonMerge($.a, $.b, 'true')", input));
  EXPECT_FALSE(Eval("States.JsonMerge($.n, $.b, false)", J(R"({"n": null, "b": {}})")));
  EXPECT_FALSE(Eval("States.JsonMerge($.a, $.l, false)", J(R"({"a": {}, "l": []})")));
  EXPECT_FALSE(Eval("States.JsonMerge($.a, 'x', false)", J(R"({"a": {}})")));
}

// ---------------------------------------------------------------------------
// Arrays

TEST(IntrinsicArrayTest, Array) {
  EXPECT_EQ(Value("States.Array()"), Json::array());
  EXPECT_EQ(Value("States.Array(42, true, null, 'hello', false, '', 0)"),
            J(R"([42, true, null, "hello", false, "", 0])"));
  EXPECT_EQ(Value("States.Array(1, States.Array(2, 3))"), J("[1, [2, 3]]"));
  EXPECT_EQ(Value("States.Array($.a, $.a)", J(R"({"a": {"x": [1]}})")),
            J(R"([{"x": [1]}, {"x": [1]}])"));
  const Json big = Value("States.Array(99999999999999999999, -9223372036854775808)");
  EXPECT_TRUE(big[0].is_number_float());
  EXPECT_EQ(big[1], INT64_MIN);
}

TEST(IntrinsicArrayTest, ArrayPartitionTruncatesTheChunkSize) {
  const Json input = J(R"({"arr": [1, 2, 3, 4, 5]})");
  EXPECT_EQ(Value("States.ArrayPartition($.arr, 4)", input), J("[[1, 2, 3, 4], [5]]"));
  EXPECT_EQ(Value("States.ArrayPartition($.arr, 2.6)", input), J("[[1, 2], [3, 4], [5]]"));
  EXPECT_EQ(Value("States.ArrayPartition($.arr, 2147483647)", input), J("[[1, 2, 3, 4, 5]]"));
  EXPECT_EQ(Value("States.ArrayPartition(States.Array(), 3)"), Json::array());
  for (const char* bad : {"0", "0.6", "-0.4", "-1", "'2'", "null", "2147483648"}) {
    const std::string expr = std::string("States.ArrayPartition($.arr, ") + bad + ")";
    EXPECT_EQ(RuntimeCause(expr, input), Invalid(expr, "States.ArrayPartition"));
  }
  EXPECT_FALSE(Eval("States.ArrayPartition('not-array', 2)"));
}

TEST(IntrinsicArrayTest, ArrayContainsComparesText) {
  const Json input = J(R"({"arr": [{"a": 1, "b": 2}, [1, 2], "true", "9007199254740991", 1.5, null],
                           "same": {"a": 1, "b": 2}, "reordered": {"b": 2, "a": 1}})");
  EXPECT_EQ(Value("States.ArrayContains($.arr, $.same)", input), true);
  // Observed on AWS: key order matters; true matches "true"; a number matches its text.
  EXPECT_EQ(Value("States.ArrayContains($.arr, $.reordered)", input), false);
  EXPECT_EQ(Value("States.ArrayContains($.arr, true)", input), true);
  EXPECT_EQ(Value("States.ArrayContains($.arr, 9007199254740991)", input), true);
  EXPECT_EQ(Value("States.ArrayContains($.arr, States.Array(1, 2))", input), true);
  EXPECT_EQ(Value("States.ArrayContains($.arr, 1.5)", input), true);
  EXPECT_EQ(Value("States.ArrayContains($.arr, null)", input), true);
  EXPECT_EQ(Value("States.ArrayContains(States.Array(0, 1, -1), false)"), false);
  EXPECT_EQ(Value("States.ArrayContains(States.Array(), States.Array())"), false);
  EXPECT_EQ(RuntimeCause("States.ArrayContains('not-array', 'x')"),
            Invalid("States.ArrayContains('not-array', 'x')", "States.ArrayContains"));
}

TEST(IntrinsicArrayTest, ArrayRange) {
  EXPECT_EQ(Value("States.ArrayRange(1, 9, 2)"), J("[1, 3, 5, 7, 9]"));
  EXPECT_EQ(Value("States.ArrayRange(0, 3, 1)"), J("[0, 1, 2, 3]"));
  EXPECT_EQ(Value("States.ArrayRange(-2, 2, 2)"), J("[-2, 0, 2]"));
  EXPECT_EQ(Value("States.ArrayRange(5, 1, -2)"), J("[5, 3, 1]"));
  EXPECT_EQ(Value("States.ArrayRange(3, 3, -1)"), J("[3]"));
  EXPECT_EQ(Value("States.ArrayRange(5, 1, 1)"), Json::array());
  EXPECT_EQ(Value("States.ArrayRange(1, 5, -1)"), Json::array());
  // Observed: AWS truncates (1.6, 1.4, 1) to (1, 1, 1) and (5.4, -0.6, -2.4) to (5, 0, -2).
  EXPECT_EQ(Value("States.ArrayRange(1.6, 1.4, 1)"), J("[1]"));
  EXPECT_EQ(Value("States.ArrayRange(5.4, -0.6, -2.4)"), J("[5, 3, 1]"));
  EXPECT_EQ(Value("States.ArrayRange(1, 1000, 1)").size(), 1000u);
  EXPECT_EQ(Value("States.ArrayRange(1000, 1, -1)").size(), 1000u);
  for (const char* args : {"1, 1001, 1", "1001, 1, -1", "1, 10, 0", "1, 10, 0.49", "'a', 5, 1",
                           "1, 'b', 1", "1, 5, 'c'", "1, 5, null", "0, 3000000000, 1"}) {
    const std::string expr = std::string("States.ArrayRange(") + args + ")";
    EXPECT_EQ(RuntimeCause(expr), Invalid(expr, "States.ArrayRange"));
  }
  // A huge range is refused before anything is built.
  EXPECT_FALSE(Eval("States.ArrayRange(-2147483648, 2147483647, 1)"));
  EXPECT_EQ(Value("States.ArrayRange(-2147483648, 2147483647, 2147483647)"),
            J("[-2147483648, -1, 2147483646]"));
}

TEST(IntrinsicArrayTest, ArrayGetItem) {
  const Json input = J(R"({"arr": [10, {"k": 2}, 30], "empty": []})");
  EXPECT_EQ(Value("States.ArrayGetItem($.arr, 0)", input), 10);
  EXPECT_EQ(Value("States.ArrayGetItem($.arr, 1)", input), J(R"({"k": 2})"));
  EXPECT_EQ(Value("States.ArrayGetItem($.arr, 1.2)", input), J(R"({"k": 2})"));  // observed
  EXPECT_EQ(Value("States.ArrayGetItem(States.Array('x', 'y', 'z'), 1)"), "y");
  EXPECT_EQ(Value("States.ArrayGetItem($.empty, 999)", input), Json());  // observed: null
  for (const char* args :
       {"$.arr, 3", "$.arr, -1", "$.arr, '1'", "$.arr, null", "'x', 0", "$.arr, 99999999999"}) {
    const std::string expr = std::string("States.ArrayGetItem(") + args + ")";
    EXPECT_EQ(RuntimeCause(expr, input), Invalid(expr, "States.ArrayGetItem"));
  }
}

TEST(IntrinsicArrayTest, ArrayLength) {
  EXPECT_EQ(Value("States.ArrayLength($.a)", J(R"({"a": [1, 2, 3]})")), 3);
  EXPECT_EQ(Value("States.ArrayLength(States.Array())"), 0);
  EXPECT_EQ(RuntimeCause("States.ArrayLength($.o)", J(R"({"o": {}})")),
            Invalid("States.ArrayLength($.o)", "States.ArrayLength"));
  EXPECT_FALSE(Eval("States.ArrayLength('abc')"));
}

// Rows: input array, and what java.util.HashSet (JDK 17) iterates for
// new ArrayList<>(new HashSet<>(input)) with the values as plain Java objects.
// Generated by a small Java program; the first three rows are also what AWS
// was observed to return.
struct UniqueCase {
  const char* input;
  const char* java;
};
constexpr UniqueCase
    kUniqueCases[] =
        {
            {R"json([true,false,true,false])json", R"json([false,true])json"},
            {R"json([[1,2],[1,2],[2,1]])json", R"json([[2,1],[1,2]])json"},
            {R"json([null,null,1,null])json", R"json([null,1])json"},
            {R"json([1,2,3,3,3,4])json", R"json([1,2,3,4])json"},
            {R"json([17,1,17,1,17,1,17,1,17,1,17,1,17,1,17,1,17,1,17,1])json", R"json([1,17])json"},
            {R"json(["a","b","a","c","b"])json", R"json(["a","b","c"])json"},
            {R"json([{"a":1,"b":2},{"b":2,"a":1},{"a":1,"b":1}])json",
             R"json([{"a":1,"b":2},{"a":1,"b":1}])json"},
            {R"json(["HelloWorld","Hello","world","zebra","apple","Zürich","日本","😀x",""])json",
             R"json(["zebra","","apple","world","😀x","Hello","Zürich","日本","HelloWorld"])json"},
            {R"json([1.5,2.5,1.5,0.1,-0.0,0.0,100.25,3000000000,-3000000000,7])json",
             R"json([-0.0,0.0,3000000000,0.1,2.5,7,1.5,100.25,-3000000000])json"},
            {R"json([36,-36,285,-156,180,54,768,449,650,334,0,512,508,711,295,462,761,538,107,79,642,724,683,-149,518,-196,39,200,376,611,-77,-127,479,691,335,292,618,306,446,34,125,680,473,-153,133,195,312,89,76,452,-188,45,-6,-30,644,252,8,365,26,-43,474,325,696,629,72,105,620,-95,329,147,254,452,437,520,-86,196,780,21,-169,398,-24,294,587,586,797,56,8,401,625,398,206,618,587,337,126,181,540,159,545,655,748,366,91,572,595,187,15,130,134,163,592,241,657,554,778,785,7,402,-77,205,-69,339,457,-53,177,81,48,669,567,-44,176,105,1,776,401,244,390,-52,261,390,-19,64,-8,87,235,719,710,344,452,-188,161,492,442,729,189,-36,687,75,195,721,684,-23,654,437,220,91,-91,459,-64,592,285,-91,519,319,459,147,681,-97,-165,465,168,-142,295,618,228,436,208,152,682,297,482,598,184,517,311,245,231,725,107,42,309,410,158,768,230,22,227,218,159,759,-27,433,-169,776,777,203,483,743,172,573,524,249,73,367,-138,-119,15,645,-40,-152,797,575,699,71,179,278,480,128,271,718,179,666,-184,107,350,-142,-70,324,427,222,182,349,90,550,101,80,675,788,410,323,249,554,449,333,-84,538,544,217,385,-104,200,37,719,260,-185,165,200,-164,422,72,362,47,506,-51,-87,156,385,222,635,352,83,121,640,102,491,736,92,288,696,423])json",
             R"json([0,512,1,-6,517,518,7,-8,519,8,520,524,15,-19,21,-23,22,-24,538,26,-27,540,-30,544,545,34,-36,36,37,550,39,-40,-43,554,42,-44,45,47,48,-51,-52,-53,54,567,56,572,573,-64,575,64,-69,-70,71,72,73,586,587,75,-77,76,79,592,80,81,595,-84,83,-86,598,-87,87,89,-91,90,91,92,-95,-97,611,101,102,-104,105,618,107,620,625,629,-119,121,635,125,-127,126,128,640,642,130,644,133,645,134,-138,650,-142,654,655,657,147,-149,-152,-153,152,666,-156,156,669,158,159,161,163,675,-164,-165,165,680,-169,168,681,682,683,684,172,687,176,177,691,179,180,181,182,-184,696,184,-185,-188,187,699,189,-196,195,196,710,711,200,203,205,206,718,719,208,721,724,725,729,217,218,220,222,736,227,228,230,231,743,235,748,241,244,245,759,761,249,252,254,768,260,261,776,777,778,780,271,785,788,278,285,797,288,292,294,295,297,306,309,311,312,319,323,324,325,329,333,334,335,337,339,344,349,350,352,362,365,366,367,376,385,390,398,401,402,410,422,423,427,433,436,437,442,446,449,452,457,459,462,465,473,474,479,480,482,483,491,492,506,508])json"},
            {R"json(["item-11","item-36","item-60","item-58","item-47","item-42","item-16","item-17","item-65","item-10","item-58","item-68","item-42","item-51","item-36","item-8","item-60","item-38","item-66","item-36","item-74","item-25","item-24","item-13","item-16","item-7","item-38","item-12","item-49","item-5","item-65","item-2","item-27","item-79","item-30","item-34","item-25","item-64","item-46","item-12","item-5","item-33","item-1","item-58","item-7","item-24","item-8","item-35","item-15","item-66","item-59","item-78","item-59","item-28","item-67","item-49","item-69","item-59","item-54","item-38","item-29","item-12","item-61","item-46","item-14","item-53","item-3","item-48","item-47","item-57","item-12","item-58","item-56","item-43","item-47","item-56","item-15","item-10","item-66","item-51","item-46","item-43","item-17","item-64","item-3","item-21","item-74","item-41","item-20","item-37","item-40","item-9","item-60","item-17","item-25","item-1","item-23","item-57","item-14","item-56","item-5","item-58","item-63","item-63","item-63","item-29","item-57","item-66","item-68","item-44","item-54","item-42","item-13","item-37","item-38","item-79","item-21","item-7","item-63","item-43"])json", R"json(["item-17","item-21","item-20","item-23","item-25","item-24","item-27","item-10","item-12","item-11","item-14","item-13","item-16","item-15","item-9","item-8","item-7","item-5","item-3","item-2","item-1","item-41","item-40","item-43","item-42","item-44","item-47","item-46","item-49","item-48","item-29","item-28","item-30","item-34","item-33","item-36","item-35","item-38","item-37","item-61","item-60","item-63","item-65","item-64","item-67","item-66","item-69","item-68","item-51","item-54","item-53","item-56","item-58","item-57","item-59","item-74","item-78","item-79"])json"},
            {R"json([1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0,11.0,12.0,13.0,14.0,15.0,16.0,17.0,18.0,19.0,20.0,21.0,22.0,23.0,24.0,25.0,26.0,27.0,28.0,29.0,30.0,31.0,32.0,33.0,34.0,35.0,36.0,37.0,38.0,39.0,40.0])json", R"json([2.0,32.0,33.0,34.0,35.0,36.0,37.0,38.0,39.0,40.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0,11.0,12.0,13.0,14.0,15.0,1.0,16.0,17.0,18.0,19.0,20.0,21.0,22.0,23.0,24.0,25.0,26.0,27.0,28.0,29.0,30.0,31.0])json"},
            {R"json([0,"s1",[2,"x",null],{"k":3,"v":[true]},true,5,"s6",[7,"x",null],{"k":8,"v":[true]},false,10,"s11",[12,"x",null],{"k":13,"v":[true]},true,15,"s16",[17,"x",null],{"k":18,"v":[true]},false,20,"s21",[22,"x",null],{"k":23,"v":[true]},true,25,"s26",[27,"x",null],{"k":28,"v":[true]},false])json",
             R"json([0,{"k":3,"v":[true]},[27,"x",null],5,10,true,15,{"k":28,"v":[true]},{"k":18,"v":[true]},"s11",20,{"k":23,"v":[true]},false,"s16",25,"s1","s6",[2,"x",null],[7,"x",null],[12,"x",null],"s21","s26",[17,"x",null],{"k":8,"v":[true]},[22,"x",null],{"k":13,"v":[true]}])json"},
};

TEST(IntrinsicArrayTest, ArrayUniqueFollowsJavaHashSetOrder) {
  for (const auto& c : kUniqueCases) {
    const Json result = Value("States.ArrayUnique($.a)", Json{{"a", J(c.input)}});
    // Exact order; numbers by value (Java prints 1.0 where the input said 1.0).
    ASSERT_TRUE(result.is_array());
    const Json want = J(c.java);
    ASSERT_EQ(result.size(), want.size()) << c.input;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_TRUE(SameJson(result[i], want[i]))
          << c.input << " at " << i << ": got " << result.dump() << " want " << c.java;
    }
  }
}

TEST(IntrinsicArrayTest, ArrayUniqueEquality) {
  // 1 and 1.0 are different values (Integer vs Double); key order is not.
  EXPECT_EQ(Value("States.ArrayUnique($.a)", J(R"({"a": [1, 1.0, "1", 1]})")).size(), 3u);
  EXPECT_EQ(Value("States.ArrayUnique($.a)", J(R"({"a": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]})")),
            J(R"([{"a": 1, "b": 2}])"));
  EXPECT_EQ(Value("States.ArrayUnique($.a)", J(R"({"a": []})")), Json::array());
  EXPECT_EQ(RuntimeCause("States.ArrayUnique($.o)", J(R"({"o": {"a": 1}})")),
            Invalid("States.ArrayUnique($.o)", "States.ArrayUnique"));
}

// ---------------------------------------------------------------------------
// Encoding and hashing

TEST(IntrinsicEncodingTest, Base64Encode) {
  EXPECT_EQ(Value("States.Base64Encode('hello')"), "aGVsbG8=");
  EXPECT_EQ(Value("States.Base64Encode('')"), "");
  EXPECT_EQ(Value("States.Base64Encode('🚀')"), "8J+agA==");
  EXPECT_EQ(Value("States.Base64Encode('>>>??\?')"), "Pj4+Pz8/");  // \? dodges a trigraph
  EXPECT_EQ(Value("States.Base64Encode($.s)", Json{{"s", std::string("abc\0def", 7)}}),
            "YWJjAGRlZg==");
  const std::string long_text(10000, 'a');
  const Json encoded = Value("States.Base64Encode($.s)", Json{{"s", long_text}});
  EXPECT_EQ(encoded.get<std::string>().size(), 13336u);
  EXPECT_EQ(encoded.get<std::string>().find('\n'), std::string::npos);
  const std::string too_long(10001, 'a');
  EXPECT_EQ(RuntimeCause("States.Base64Encode($.s)", Json{{"s", too_long}}),
            Invalid("States.Base64Encode($.s)", "States.Base64Encode"));
  // The limit counts UTF-16 units, as Java's String.length() does: 5,000
  // astral characters are 10,000 units, 5,001 are too many.
  std::string astral;
  for (int i = 0; i < 5000; ++i) astral += "😀";
  EXPECT_TRUE(Eval("States.Base64Encode($.s)", Json{{"s", astral}}));
  EXPECT_FALSE(Eval("States.Base64Encode($.s)", Json{{"s", astral + "😀"}}));
  EXPECT_FALSE(Eval("States.Base64Encode(123)"));
  EXPECT_FALSE(Eval("States.Base64Encode($.a)", J(R"({"a": ["x"]})")));
}

TEST(IntrinsicEncodingTest, Base64DecodeIsLenient) {
  EXPECT_EQ(Value("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"), "Data to encode");
  EXPECT_EQ(Value("States.Base64Decode('4pyT')"), "✓");
  EXPECT_EQ(Value("States.Base64Decode('44GT44KT44Gr44Gh44Gv')"), "こんにちは");
  EXPECT_EQ(Value("States.Base64Decode('YWJjAGRlZg==')"), std::string("abc\0def", 7));
  // Observed: AWS decodes these instead of failing.
  EXPECT_EQ(Value("States.Base64Decode(' YWJjZA== ')"), "abcd");
  EXPECT_EQ(Value("States.Base64Decode('YWJjZA')"), "abcd");
  EXPECT_EQ(Value("States.Base64Decode('abc')"), "i\xEF\xBF\xBD");  // "i" and a stray 0xB7
  EXPECT_TRUE(Eval("States.Base64Decode('!!!invalid!!!')"));
  EXPECT_TRUE(Eval("States.Base64Decode('ab==cd')"));
  EXPECT_EQ(Value("States.Base64Decode('Pj4-Pz8_')"), ">>>???");  // URL-safe alphabet
  EXPECT_EQ(Value("States.Base64Decode(States.Base64Encode('round trip'))"), "round trip");
}

TEST(IntrinsicEncodingTest, Base64DecodeReplacesInvalidUtf8) {
  // 0xFF 0xFE 'A' 0xC3 (truncated sequence): each bad part becomes U+FFFD.
  const Json decoded = Value("States.Base64Decode($.s)", Json{{"s", Base64Encode("\xFF\xFE"
                                                                                 "A\xC3")}});
  EXPECT_EQ(decoded,
            "\xEF\xBF\xBD\xEF\xBF\xBD"
            "A\xEF\xBF\xBD");
  EXPECT_NO_THROW((void)decoded.dump());
  // A surrogate encoded in UTF-8 (ED A0 80) is not valid UTF-8 either.
  EXPECT_EQ(Value("States.Base64Decode($.s)", Json{{"s", Base64Encode("\xED\xA0\x80")}}),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  const std::string too_long(10001, 'A');
  EXPECT_FALSE(Eval("States.Base64Decode($.s)", Json{{"s", too_long}}));
  EXPECT_TRUE(Eval("States.Base64Decode($.s)", Json{{"s", std::string(10000, 'A')}}));
  EXPECT_FALSE(Eval("States.Base64Decode(123)"));
}

TEST(IntrinsicEncodingTest, HashAlgorithms) {
  EXPECT_EQ(Value("States.Hash('hello', 'MD5')"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(Value("States.Hash('hello', 'SHA-1')"), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
  EXPECT_EQ(Value("States.Hash('hello', 'SHA-256')"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(Value("States.Hash('hello', 'SHA-384')"),
            "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bd"
            "f5f6a13de828684f");
  EXPECT_EQ(Value("States.Hash('hello', 'SHA-512')"),
            "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7a"
            "cc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043");
  EXPECT_EQ(Value("States.Hash('', 'SHA-256')"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Value("States.Hash('🚀', 'SHA-256')"),
            "ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5");
  EXPECT_EQ(Value("States.Hash($.s, 'MD5')", Json{{"s", "v787"}}),
            "0003ec0d0c76934ba8a8b39809c825b3");
}

TEST(IntrinsicEncodingTest, HashDigestsAcrossBlockBoundaries) {
  // Prefixes of a repeated alphabet; expected digests from Python's hashlib
  // (first 16 hex digits).
  struct Row {
    size_t length;
    const char* md5;
    const char* sha1;
    const char* sha256;
    const char* sha384;
    const char* sha512;
  };
  const Row rows[] = {
      {0, "d41d8cd98f00b204", "da39a3ee5e6b4b0d", "e3b0c44298fc1c14", "38b060a751ac9638",
       "cf83e1357eefb8bd"},
      {3, "900150983cd24fb0", "a9993e364706816a", "ba7816bf8f01cfea", "cb00753f45a35e8b",
       "ddaf35a193617aba"},
      {55, "33fe4bf95507ce12", "f6b1f9e15c31d845", "4406b9931051072b", "8332e4c62cc78766",
       "96bfcc3e96f9a1b2"},
      {56, "78e8d6e3c21dc3d6", "65804bf47c78d6b9", "bfcf8730342196ae", "e7214e229e667195",
       "6dcf6bf32c41e0b2"},
      {63, "4f739960a0f8ef4b", "9283b6c4fc6a5065", "4cdd0f4b4d356151", "fe579ad4a9bdce5f",
       "3322040c8d62a3a4"},
      {64, "f18945eb18af1fc5", "7b16ac431221ad01", "2a94c28f8bed8b90", "7d4a12f7954d653b",
       "5fee601ba55bf0ed"},
      {111, "7cb155a58d078e9c", "065e132e41fd2768", "4fb31930736e3f97", "891882de1a8640f2",
       "3166b947f540f1fb"},
      {112, "db9b8a4723d40f01", "c45a0051c7395add", "175735b85dfba3bb", "838ac66b415d2dc5",
       "77cd2c58e8ada69c"},
      {127, "f5583c1eb0989e37", "837c6412fa7bbe7c", "869752223da31609", "b4cc00c7fdfdb293",
       "f5f6d84566127a5e"},
      {128, "d4fc182ce23d05c9", "ac1875ed95586a9b", "3f2f521dfa98b748", "6eee79f4bc194985",
       "68b881aeaad45539"},
      {200, "9672d27dc1fd1ee7", "a479b92697a6453a", "5d21f71a6600f375", "a49d8b0d168be889",
       "e497541fc5cdcdc3"},
  };
  std::string alphabet;
  for (int i = 0; i < 30; ++i) alphabet += "abcdefghij";
  for (const auto& row : rows) {
    const std::string data = alphabet.substr(0, row.length);
    EXPECT_EQ(DigestHex("MD5", data)->substr(0, 16), row.md5) << row.length;
    EXPECT_EQ(DigestHex("SHA-1", data)->substr(0, 16), row.sha1) << row.length;
    EXPECT_EQ(DigestHex("SHA-256", data)->substr(0, 16), row.sha256) << row.length;
    EXPECT_EQ(DigestHex("SHA-384", data)->substr(0, 16), row.sha384) << row.length;
    EXPECT_EQ(DigestHex("SHA-512", data)->substr(0, 16), row.sha512) << row.length;
  }
  EXPECT_EQ(DigestHex("SHA-384", "abc")->size(), 96u);
}

TEST(IntrinsicEncodingTest, HashArguments) {
  // Observed: AWS hashes a number or an object by its JSON text.
  EXPECT_EQ(Value("States.Hash(123, 'MD5')"), *DigestHex("MD5", "123"));
  EXPECT_EQ(Value("States.Hash($.o, 'MD5')", J(R"({"o": {"a": 1}})")),
            *DigestHex("MD5", R"({"a":1})"));
  for (const char* algorithm :
       {"'sha-256'", "'SHA256'", "'MD-5'", "''", "'SHA-257'", "123", "null"}) {
    const std::string expr = std::string("States.Hash('data', ") + algorithm + ")";
    EXPECT_EQ(RuntimeCause(expr), Invalid(expr, "States.Hash"));
  }
  EXPECT_TRUE(Eval("States.Hash($.s, 'SHA-256')", Json{{"s", std::string(10000, 'a')}}));
  EXPECT_FALSE(Eval("States.Hash($.s, 'SHA-256')", Json{{"s", std::string(10001, 'a')}}));
}

// ---------------------------------------------------------------------------
// Math

TEST(IntrinsicMathTest, MathAddRoundsEachOperandHalfUp) {
  EXPECT_EQ(Value("States.MathAdd(111, -1)"), 110);
  EXPECT_EQ(Value("States.MathAdd(1.49, 1.5)"), 3);
  EXPECT_EQ(Value("States.MathAdd(1.5, 1.51)"), 4);
  EXPECT_EQ(Value("States.MathAdd(-1.5, 0)"), -1);
  EXPECT_EQ(Value("States.MathAdd(-2.5, 0)"), -2);
  EXPECT_EQ(Value("States.MathAdd(-0.5, 0.5)"), 1);
  EXPECT_EQ(Value("States.MathAdd(0.49999999999999994, 0)"), 0);
  EXPECT_EQ(Value("States.MathAdd(0.1, 0.2)"), 0);
  EXPECT_EQ(Value("States.MathAdd(2147483646, 1)"), 2147483647);
  EXPECT_EQ(Value("States.MathAdd(-2147483647, -1)"), -2147483648LL);
  EXPECT_EQ(Value("States.MathAdd(States.MathAdd($.x, 1), 2)", J(R"({"x": 5})")), 8);
  EXPECT_TRUE(Value("States.MathAdd(1, 2)").is_number_integer());
}

TEST(IntrinsicMathTest, MathAddRejectsNonIntegersAndOverflow) {
  for (const char* args : {"2147483647, 1", "-2147483648, -1", "3000000000, 1", "-3000000000, 1",
                           "99999999999999999999, 1", "1e300, 1", "'a', 1", "1, 'b'", "'1', 2",
                           "null, 1", "true, 1", "false, -1", "$.arr, 1"}) {
    const std::string expr = std::string("States.MathAdd(") + args + ")";
    EXPECT_EQ(RuntimeCause(expr, J(R"({"arr": [1]})")), Invalid(expr, "States.MathAdd"));
  }
}

TEST(IntrinsicMathTest, MathAddInALoopIsCheapAndCorrect) {
  // The benchmark's shape: one parse, many evaluations reading $.count.
  auto call = MustParse("States.MathAdd($.count, 1)");
  ASSERT_TRUE(call);
  Json input = {{"count", 0}, {"payload", Json::array()}};
  for (int i = 0; i < 1000; ++i) input["payload"].push_back(i);
  for (int i = 0; i < 100000; ++i) {
    SimplePathEnv env(input);
    auto next = EvaluateIntrinsic(*call, env);
    ASSERT_TRUE(next);
    input["count"] = std::move(*next);
  }
  EXPECT_EQ(input["count"], 100000);
}

TEST(IntrinsicMathTest, MathRandomStaysInRange) {
  SeededRandom random(42);
  for (const char* args : {"1, 999", "12.5, 44.51", "9999, 99999", "-99999, -9999", "1.6, 5.4",
                           "-1000000, 1000000", "-2147483648, 2147483647"}) {
    const std::string expr = std::string("States.MathRandom(") + args + ")";
    auto call = MustParse(expr);
    const Json bounds = J(std::string("[") + args + "]");
    const auto lo = static_cast<int64_t>(bounds[0].get<double>());
    const auto hi = static_cast<int64_t>(bounds[1].get<double>());
    for (int i = 0; i < 200; ++i) {
      auto value = EvaluateIntrinsic(*call, Roots(Json::object()).env(), &random);
      ASSERT_TRUE(value) << expr;
      ASSERT_TRUE(value->is_number_integer());
      EXPECT_GE(value->get<int64_t>(), lo) << expr;
      EXPECT_LT(value->get<int64_t>(), hi) << expr;
    }
  }
  // Both ends of a two-value range show up.
  auto call = MustParse("States.MathRandom(1, 3)");
  bool seen[2] = {false, false};
  for (int i = 0; i < 100; ++i) {
    seen[EvaluateIntrinsic(*call, Roots(Json::object()).env(), &random)->get<int>() - 1] = true;
  }
  EXPECT_TRUE(seen[0] && seen[1]);
}

TEST(IntrinsicMathTest, MathRandomWithASeedMatchesJava) {
  // start + new java.util.Random(seed).nextInt(end - start), computed by Java.
  EXPECT_EQ(Value("States.MathRandom(0, 10, 42)"), 0);
  EXPECT_EQ(Value("States.MathRandom(0, 1024, 42)"), 745);
  EXPECT_EQ(Value("States.MathRandom(0, 999, 3)"), 239);
  EXPECT_EQ(Value("States.MathRandom(1, 10, -10)"), 1);
  EXPECT_EQ(Value("States.MathRandom(1, 10, 0)"), 7);
  EXPECT_EQ(Value("States.MathRandom(1, 100, 42)"), 63);
  EXPECT_EQ(Value("States.MathRandom(-99999, -9999, 123456789)"), -49034);
  EXPECT_EQ(Value("States.MathRandom(2147483640, 2147483647, 1)"), 2147483644);
  // The same seed gives the same number, also within one expression.
  const Json pair =
      Value("States.Array(States.MathRandom(1, 100, 7), States.MathRandom(1, 100, 7))");
  EXPECT_EQ(pair[0], pair[1]);
}

TEST(IntrinsicMathTest, MathRandomRejectsBadBounds) {
  for (const char* args :
       {"1, 1", "10, 5", "1.4, 1.6", "1.49, 1.49", "'a', 10", "1, 'b'", "1, 10, 'seed'",
        "1, 10, null", "0, 3000000000", "-2147483648, 2147483647, 1"}) {
    const std::string expr = std::string("States.MathRandom(") + args + ")";
    EXPECT_EQ(RuntimeCause(expr), Invalid(expr, "States.MathRandom"));
  }
}

TEST(IntrinsicMathTest, UuidIsVersion4AndReproducible) {
  SeededRandom a(99), b(99);
  auto call = MustParse("States.UUID()");
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->uses_randomness());
  std::string previous;
  for (int i = 0; i < 50; ++i) {
    auto ua = EvaluateIntrinsic(*call, Roots(Json::object()).env(), &a);
    auto ub = EvaluateIntrinsic(*call, Roots(Json::object()).env(), &b);
    ASSERT_TRUE(ua && ub);
    const std::string u = ua->get<std::string>();
    EXPECT_EQ(u, ub->get<std::string>());
    EXPECT_NE(u, previous);
    previous = u;
    ASSERT_EQ(u.size(), 36u);
    for (size_t k = 0; k < u.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        EXPECT_EQ(u[k], '-');
      } else {
        EXPECT_TRUE((u[k] >= '0' && u[k] <= '9') || (u[k] >= 'a' && u[k] <= 'f')) << u;
      }
    }
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
  }
}

// ---------------------------------------------------------------------------
// Strings

TEST(IntrinsicStringTest, StringSplitUsesDelimiterCharacters) {
  EXPECT_EQ(Value("States.StringSplit('1+2,3.4', '.+,')"), J(R"(["1", "2", "3", "4"])"));
  EXPECT_EQ(Value("States.StringSplit('1a2b3ab4', 'ab')"), J(R"(["1", "2", "3", "4"])"));
  EXPECT_EQ(Value("States.StringSplit(',a,,b,', ',')"), J(R"(["a", "b"])"));
  EXPECT_EQ(Value("States.StringSplit('', ',')"), Json::array());
  EXPECT_EQ(Value("States.StringSplit('abc', '')"), J(R"(["abc"])"));
  EXPECT_EQ(Value("States.StringSplit('a😀b😀c', '😀')"), J(R"(["a", "b", "c"])"));
  EXPECT_EQ(Value("States.StringSplit('😁', '😀')"), J(R"(["😁"])"));  // shared UTF-8 prefix
  EXPECT_EQ(Value("States.StringSplit('ünï-cødé', '-')"), J(R"(["ünï", "cødé"])"));
  EXPECT_EQ(Value("States.StringSplit(States.Format('{}-{}', 'x', 'y'), '-')"), J(R"(["x", "y"])"));
  for (const char* args :
       {"$.n, ','", "'a,b', 1", "$.z, ','", "'a,b', $.z", "$.l, ','", "'a,b', $.l"}) {
    const std::string expr = std::string("States.StringSplit(") + args + ")";
    EXPECT_EQ(RuntimeCause(expr, J(R"({"n": 123, "z": null, "l": [","]})")),
              Invalid(expr, "States.StringSplit"));
  }
}

}  // namespace
}  // namespace hpcflow::workflows
