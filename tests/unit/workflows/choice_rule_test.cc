#include "workflows/choice_rule.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "workflows/diagnostics.h"
#include "workflows/json_path.h"

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

// Compiles a nested-level rule (no Next) and fails the test on diagnostics.
std::unique_ptr<ChoiceRule> Compile(std::string_view rule, bool top_level = false) {
  Diagnostics diags;
  auto compiled = ParseChoiceRule(J(rule), "/r", top_level, diags);
  EXPECT_TRUE(compiled != nullptr) << rule << "\n" << DiagText(diags);
  EXPECT_TRUE(diags.empty()) << DiagText(diags);
  return compiled;
}

// "T" (rule holds), "F" (does not) or "E:<cause>" (runtime error).
std::string Outcome(std::string_view rule, std::string_view input,
                    std::string_view variables = "{}", std::string_view context = "{}") {
  auto compiled = Compile(rule);
  if (!compiled) return "not compiled";
  Json in = J(input);
  Json vars = J(variables);
  Json ctx = J(context);
  SimplePathEnv env(in, &ctx, &vars);
  Result<bool> r = EvaluateChoiceRule(*compiled, env);
  if (!r) return r.error().name + ":" + r.error().cause;
  return *r ? "T" : "F";
}

// Diagnostics for an invalid rule; the test fails if the rule compiles.
std::string Problems(std::string_view rule, bool top_level = false) {
  Diagnostics diags;
  auto compiled = ParseChoiceRule(J(rule), "/r", top_level, diags);
  EXPECT_EQ(compiled, nullptr) << rule;
  EXPECT_FALSE(diags.empty()) << rule;
  return DiagText(diags);
}

struct Case {
  const char* rule;   // without Next
  const char* input;  // the state input
  const char* want;   // "T", "F" or the runtime error
};

void RunCases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(Outcome(c.rule, c.input), c.want) << c.rule << " on " << c.input;
  }
}

// Values of every JSON type, as the corpus's choice matrices use them.
const char* const kAllTypes[] = {"null",
                                 "0",
                                 "0.0",
                                 "1",
                                 "1.1",
                                 "\"\"",
                                 "\" \"",
                                 "\"HelloWorld\"",
                                 "[]",
                                 "[\"\"]",
                                 "{}",
                                 "{\"A\":0}",
                                 "false",
                                 "true",
                                 "\"2012-10-09T19:00:55Z\""};

std::string In(const char* value) { return std::string("{\"Variable\":") + value + "}"; }

// ---------------------------------------------------------------------------
// Type tests (choice/is_*): the operand may be false, and negates the test.

TEST(ChoiceRuleTest, TypeTestsHonourFalseOperand) {
  struct Row {
    const char* op;
    std::vector<std::string> matching;  // values for which the type test holds
  };
  const Row rows[] = {
      {"IsNull", {"null"}},
      {"IsBoolean", {"false", "true"}},
      {"IsNumeric", {"0", "0.0", "1", "1.1"}},
      {"IsString", {"\"\"", "\" \"", "\"HelloWorld\"", "\"2012-10-09T19:00:55Z\""}},
      {"IsTimestamp", {"\"2012-10-09T19:00:55Z\""}},
      {"IsPresent",
       {"null", "0", "0.0", "1", "1.1", "\"\"", "\" \"", "\"HelloWorld\"", "[]", "[\"\"]", "{}",
        "{\"A\":0}", "false", "true", "\"2012-10-09T19:00:55Z\""}},
  };
  for (const auto& row : rows) {
    for (const char* value : kAllTypes) {
      bool holds = std::find(row.matching.begin(), row.matching.end(), value) != row.matching.end();
      std::string yes = std::string(R"({"Variable":"$.Variable",")") + row.op + "\":true}";
      std::string no = std::string(R"({"Variable":"$.Variable",")") + row.op + "\":false}";
      EXPECT_EQ(Outcome(yes, In(value)), holds ? "T" : "F") << yes << " " << value;
      EXPECT_EQ(Outcome(no, In(value)), holds ? "F" : "T") << no << " " << value;
    }
  }
  // IsTimestamp on near misses.
  RunCases({
      {R"({"Variable":"$.v","IsTimestamp":true})", R"({"v":"2012-10-09T19:00:55"})", "F"},
      {R"({"Variable":"$.v","IsTimestamp":true})", R"({"v":"2012-10-09T19:00:55+01:00"})", "T"},
      {R"({"Variable":"$.v","IsTimestamp":true})", R"({"v":"2023-02-24"})", "F"},
  });
}

TEST(ChoiceRuleTest, IsPresentOnMissingPath) {
  RunCases({
      {R"({"Variable":"$.missing","IsPresent":true})", "{}", "F"},
      {R"({"Variable":"$.missing","IsPresent":false})", "{}", "T"},
      {R"({"Variable":"$.a.b.c","IsPresent":false})", R"({"a":1})", "T"},
      {R"({"Variable":"$.a[3]","IsPresent":true})", R"({"a":[1]})", "F"},
      {R"({"Variable":"$.a[0]","IsPresent":true})", R"({"a":[null]})", "T"},
      {R"({"Variable":"$nope","IsPresent":false})", "{}", "T"},
  });
}

TEST(ChoiceRuleTest, MissingVariableIsARuntimeError) {
  const std::string cause =
      "States.Runtime:Invalid path '$.value': The choice state's condition path references an "
      "invalid value.";
  for (const char* rule : {
           R"({"Variable":"$.value","NumericEquals":0})",
           R"({"Variable":"$.value","StringEquals":"x"})",
           R"({"Variable":"$.value","BooleanEquals":true})",
           R"({"Variable":"$.value","TimestampEquals":"2012-10-09T19:00:55Z"})",
           R"({"Variable":"$.value","StringMatches":"*"})",
           R"({"Variable":"$.value","IsNull":true})",
           R"({"Variable":"$.value","IsNull":false})",
           R"({"Variable":"$.value","IsString":false})",
           R"({"Variable":"$.value","NumericEqualsPath":"$.other"})",
       }) {
    EXPECT_EQ(Outcome(rule, R"({"other":0})"), cause) << rule;
  }
  // A *Path operand that does not resolve is reported with its own path.
  EXPECT_EQ(Outcome(R"({"Variable":"$.left","TimestampGreaterThanPath":"$.right"})",
                    R"({"left":"2012-10-09T19:00:55Z"})"),
            "States.Runtime:Invalid path '$.right': The choice state's condition path "
            "references an invalid value.");
  EXPECT_EQ(Outcome(R"({"Variable":"$.left","BooleanEqualsPath":"$.right"})", R"({"left":true})"),
            "States.Runtime:Invalid path '$.right': The choice state's condition path "
            "references an invalid value.");
  // The cause quotes the path as written.
  EXPECT_EQ(Outcome(R"({"Variable":"$['a'].b","IsNull":true})", "{}"),
            "States.Runtime:Invalid path '$['a'].b': The choice state's condition path "
            "references an invalid value.");
  // An undefined workflow variable.
  EXPECT_EQ(Outcome(R"({"Variable":"$nope","IsNull":true})", "{}"),
            "States.Runtime:Invalid path '$nope': The choice state's condition path "
            "references an invalid value.");
}

// ---------------------------------------------------------------------------
// Comparisons (choice/boolean_equals*, numeric_*, string_*, timestamp_*).

TEST(ChoiceRuleTest, BooleanEqualsOnlyMatchesBooleans) {
  for (const char* value : kAllTypes) {
    std::string v = value;
    EXPECT_EQ(Outcome(R"({"Variable":"$.Variable","BooleanEquals":true})", In(value)),
              v == "true" ? "T" : "F")
        << value;
    EXPECT_EQ(Outcome(R"({"Variable":"$.Variable","BooleanEquals":false})", In(value)),
              v == "false" ? "T" : "F")
        << value;
    std::string with_true = std::string("{\"Variable\":") + value + ",\"Value\":true}";
    EXPECT_EQ(Outcome(R"({"Variable":"$.Variable","BooleanEqualsPath":"$.Value"})", with_true),
              v == "true" ? "T" : "F")
        << value;
    std::string with_false = std::string("{\"Variable\":") + value + ",\"Value\":false}";
    EXPECT_EQ(Outcome(R"({"Variable":"$.Variable","BooleanEqualsPath":"$.Value"})", with_false),
              v == "false" ? "T" : "F")
        << value;
  }
}

TEST(ChoiceRuleTest, NumericEqualsAcrossTypes) {
  // choice/numeric_equals_*: every non-number is simply unequal.
  for (const char* value : kAllTypes) {
    std::string v = value;
    bool zero = v == "0" || v == "0.0";
    bool one = v == "1";
    for (const char* operand : {"0", "0.0"}) {
      std::string rule =
          std::string(R"({"Variable":"$.Variable","NumericEquals":)") + operand + "}";
      EXPECT_EQ(Outcome(rule, In(value)), zero ? "T" : "F") << rule << " " << value;
      std::string input = std::string("{\"Variable\":") + value + ",\"Value\":" + operand + "}";
      EXPECT_EQ(Outcome(R"({"Variable":"$.Variable","NumericEqualsPath":"$.Value"})", input),
                zero ? "T" : "F")
          << input;
    }
    for (const char* operand : {"1", "1.0"}) {
      std::string rule =
          std::string(R"({"Variable":"$.Variable","NumericEquals":)") + operand + "}";
      EXPECT_EQ(Outcome(rule, In(value)), one ? "T" : "F") << rule << " " << value;
    }
  }
  RunCases({
      {R"({"Variable":"$.v","NumericEquals":2.22})", R"({"v":2.22})", "T"},
      {R"({"Variable":"$.v","NumericEquals":1})", R"({"v":1.1})", "F"},
      {R"({"Variable":"$.v","NumericEquals":42})", R"({"v":"42"})", "F"},
      {R"({"Variable":"$.v","NumericEquals":-3})", R"({"v":-3.0})", "T"},
  });
}

TEST(ChoiceRuleTest, NumericOrdering) {
  // choice/numeric_{greater,less}_than[_equals][_path]_*: (Variable, Value).
  struct Row {
    const char* variable;
    const char* value;
    const char* lt;
    const char* le;
    const char* gt;
    const char* ge;
  };
  const Row rows[] = {
      {"0", "0", "F", "T", "F", "T"},   {"0.0", "0", "F", "T", "F", "T"},
      {"0", "1", "T", "T", "F", "F"},   {"1", "1", "F", "T", "F", "T"},
      {"1", "0", "F", "F", "T", "T"},   {"-1", "0.5", "T", "T", "F", "F"},
      {"2.5", "2", "F", "F", "T", "T"}, {"-2.5", "-2", "T", "T", "F", "F"},
  };
  for (const auto& row : rows) {
    std::string input =
        std::string("{\"Variable\":") + row.variable + ",\"Value\":" + row.value + "}";
    const std::pair<const char*, const char*> ops[] = {{"NumericLessThan", row.lt},
                                                       {"NumericLessThanEquals", row.le},
                                                       {"NumericGreaterThan", row.gt},
                                                       {"NumericGreaterThanEquals", row.ge}};
    for (const auto& [op, want] : ops) {
      std::string literal =
          std::string(R"({"Variable":"$.Variable",")") + op + "\":" + row.value + "}";
      std::string path = std::string(R"({"Variable":"$.Variable",")") + op + "Path\":\"$.Value\"}";
      EXPECT_EQ(Outcome(literal, input), want) << literal << " " << input;
      EXPECT_EQ(Outcome(path, input), want) << path << " " << input;
    }
  }
  // Mismatched types are false for every relation, in both directions.
  RunCases({
      {R"({"Variable":"$.v","NumericLessThan":1})", R"({"v":"0"})", "F"},
      {R"({"Variable":"$.v","NumericGreaterThanEquals":0})", R"({"v":null})", "F"},
      {R"({"Variable":"$.v","NumericLessThanPath":"$.w"})", R"({"v":0,"w":"1"})", "F"},
      {R"({"Variable":"$.v","NumericLessThanPath":"$.w"})", R"({"v":0,"w":true})", "F"},
  });
}

TEST(ChoiceRuleTest, NumbersCompareExactly) {
  RunCases({
      // Beyond 2^53 an int64 and a double are compared without rounding.
      {R"({"Variable":"$.v","NumericEquals":9007199254740993})", R"({"v":9007199254740992.0})",
       "F"},
      {R"({"Variable":"$.v","NumericGreaterThan":9007199254740992.0})", R"({"v":9007199254740993})",
       "T"},
      {R"({"Variable":"$.v","NumericEquals":9007199254740992})", R"({"v":9007199254740992.0})",
       "T"},
      // uint64 / int64 / double extremes.
      {R"({"Variable":"$.v","NumericGreaterThan":9223372036854775807})",
       R"({"v":18446744073709551615})", "T"},
      {R"({"Variable":"$.v","NumericLessThan":-9223372036854775808})",
       R"({"v":-9223372036854775807})", "F"},
      {R"({"Variable":"$.v","NumericLessThan":18446744073709551615})",
       R"({"v":-9223372036854775808})", "T"},
      {R"({"Variable":"$.v","NumericLessThan":1e300})", R"({"v":18446744073709551615})", "T"},
      {R"({"Variable":"$.v","NumericGreaterThan":-1e300})", R"({"v":-9223372036854775808})", "T"},
      {R"({"Variable":"$.v","NumericEquals":18446744073709551616})",
       R"({"v":18446744073709551615})", "F"},
      {R"({"Variable":"$.v","NumericLessThan":18446744073709551616})",
       R"({"v":18446744073709551615})", "T"},
      {R"({"Variable":"$.v","NumericGreaterThan":123456789012345678901234567890})",
       R"({"v":1.2345678901234568e29})", "F"},
      {R"({"Variable":"$.v","NumericEquals":1e2})", R"({"v":100})", "T"},
      {R"({"Variable":"$.v","NumericLessThan":-0.5})", R"({"v":-1})", "T"},
      {R"({"Variable":"$.v","NumericGreaterThan":-0.5})", R"({"v":0})", "T"},
      {R"({"Variable":"$.v","NumericEquals":0})", R"({"v":-0.0})", "T"},
  });
}

TEST(ChoiceRuleTest, StringComparisons) {
  RunCases({
      // choice/string_equals_*
      {R"({"Variable":"$.v","StringEquals":"Hello"})", R"({"v":"Hello"})", "T"},
      {R"({"Variable":"$.v","StringEquals":"     "})", R"({"v":" "})", "F"},
      {R"({"Variable":"$.v","StringEquals":"\t\r\n"})", R"({"v":"\t\n"})", "F"},
      {R"({"Variable":"$.v","StringEquals":"HelloWorld"})", R"({"v":null})", "F"},
      {R"({"Variable":"$.v","StringEquals":"0"})", R"({"v":0})", "F"},
      {R"({"Variable":"$.v","StringEquals":"true"})", R"({"v":true})", "F"},
      {R"({"Variable":"$.v","StringEquals":"[]"})", R"({"v":[]})", "F"},
      {R"({"Variable":"$.v","StringEqualsPath":"$.w"})", R"({"v":"Hello","w":"Hello"})", "T"},
      {R"({"Variable":"$.v","StringEqualsPath":"$.w"})", R"({"v":"\t\n","w":"\t\r\n"})", "F"},
      {R"({"Variable":"$.v","StringEqualsPath":"$.w"})", R"({"v":"1","w":1})", "F"},
      // choice/string_{greater,less}_than*
      {R"({"Variable":"$.v","StringGreaterThan":""})", R"({"v":""})", "F"},
      {R"({"Variable":"$.v","StringGreaterThan":"A "})", R"({"v":"A"})", "F"},
      {R"({"Variable":"$.v","StringGreaterThan":"A\t\n\r"})", R"({"v":"A"})", "F"},
      {R"({"Variable":"$.v","StringGreaterThan":"ABC"})", R"({"v":"AB"})", "F"},
      {R"({"Variable":"$.v","StringGreaterThan":"AB"})", R"({"v":"ABC"})", "T"},
      {R"({"Variable":"$.v","StringGreaterThanEquals":""})", R"({"v":""})", "T"},
      {R"({"Variable":"$.v","StringGreaterThanEquals":"AB"})", R"({"v":"A"})", "F"},
      {R"({"Variable":"$.v","StringGreaterThanEquals":"A"})", R"({"v":"AB"})", "T"},
      {R"({"Variable":"$.v","StringLessThan":""})", R"({"v":""})", "F"},
      {R"({"Variable":"$.v","StringLessThan":"AB"})", R"({"v":"A"})", "T"},
      {R"({"Variable":"$.v","StringLessThan":"A"})", R"({"v":"AB"})", "F"},
      {R"({"Variable":"$.v","StringLessThanEquals":""})", R"({"v":""})", "T"},
      {R"({"Variable":"$.v","StringLessThanEquals":"AB"})", R"({"v":"A"})", "T"},
      {R"({"Variable":"$.v","StringLessThanEquals":"A"})", R"({"v":"AB"})", "F"},
      {R"({"Variable":"$.v","StringGreaterThanPath":"$.w"})", R"({"v":"b","w":"a"})", "T"},
      {R"({"Variable":"$.v","StringGreaterThanEqualsPath":"$.w"})", R"({"v":"","w":""})", "T"},
      {R"({"Variable":"$.v","StringLessThanPath":"$.w"})", R"({"v":"A","w":"AB"})", "T"},
      {R"({"Variable":"$.v","StringLessThanEqualsPath":"$.w"})", R"({"v":"AB","w":"A"})", "F"},
      {R"({"Variable":"$.v","StringLessThan":"b"})", R"({"v":"B"})", "T"},  // case-sensitive
      {R"({"Variable":"$.v","StringLessThan":"1"})", R"({"v":0})", "F"},
  });
}

TEST(ChoiceRuleTest, StringOrderIsUtf16LikeJava) {
  // U+1F600 (a surrogate pair in UTF-16, 0xD83D...) sorts before U+FF21 in
  // Java's String.compareTo, although its UTF-8 bytes sort after.
  RunCases({
      {R"({"Variable":"$.v","StringLessThan":"\uFF21"})", R"({"v":"\uD83D\uDE00"})", "T"},
      {R"({"Variable":"$.v","StringGreaterThan":"\u00e9"})", R"({"v":"\uD83D\uDE00"})", "T"},
      {R"({"Variable":"$.v","StringLessThan":"\uD83D\uDE01"})", R"({"v":"\uD83D\uDE00"})", "T"},
      {R"({"Variable":"$.v","StringLessThan":"\u00e9"})", R"({"v":"e"})", "T"},
  });
}

TEST(ChoiceRuleTest, TimestampComparisons) {
  const char* t55 = "2012-10-09T19:00:55Z";
  const char* t56 = "2012-10-09T19:00:56Z";
  struct Row {
    const char* variable;
    const char* value;
    const char* eq;
    const char* lt;
    const char* le;
    const char* gt;
    const char* ge;
  };
  // choice/timestamp_*: (55, 55), (55, 56), (56, 55).
  const Row rows[] = {{t55, t55, "T", "F", "T", "F", "T"},
                      {t55, t56, "F", "T", "T", "F", "F"},
                      {t56, t55, "F", "F", "F", "T", "T"}};
  for (const auto& row : rows) {
    std::string input =
        std::string("{\"Variable\":\"") + row.variable + "\",\"Value\":\"" + row.value + "\"}";
    const std::pair<const char*, const char*> ops[] = {{"TimestampEquals", row.eq},
                                                       {"TimestampLessThan", row.lt},
                                                       {"TimestampLessThanEquals", row.le},
                                                       {"TimestampGreaterThan", row.gt},
                                                       {"TimestampGreaterThanEquals", row.ge}};
    for (const auto& [op, want] : ops) {
      std::string literal =
          std::string(R"({"Variable":"$.Variable",")") + op + "\":\"" + row.value + "\"}";
      std::string path = std::string(R"({"Variable":"$.Variable",")") + op + "Path\":\"$.Value\"}";
      EXPECT_EQ(Outcome(literal, input), want) << literal << " " << input;
      EXPECT_EQ(Outcome(path, input), want) << path << " " << input;
    }
  }
  // choice/timestamp_equals_00..13: anything but a valid timestamp is false.
  for (const char* value :
       {"null", "0", "0.0", "1", "1.1", "\"\"", "\" \"", "\"2023-02-24 12:15:56.832957\"", "[]",
        "[\"\"]", "{}", "{\"A\":0}", "false", "true", "\"2012-10-09T19:00:55\""}) {
    EXPECT_EQ(
        Outcome(R"({"Variable":"$.Variable","TimestampEquals":"2012-10-09T19:00:55Z"})", In(value)),
        "F")
        << value;
  }
  RunCases({
      // Instants, not texts, are compared.
      {R"({"Variable":"$.v","TimestampEquals":"2012-10-09T18:00:55Z"})",
       R"({"v":"2012-10-09T19:00:55+01:00"})", "T"},
      {R"({"Variable":"$.v","TimestampEquals":"2012-10-09T19:00:55Z"})",
       R"({"v":"2012-10-09T19:00:55.000Z"})", "T"},
      {R"({"Variable":"$.v","TimestampLessThan":"2012-10-09T19:00:55.000000001Z"})",
       R"({"v":"2012-10-09T19:00:55Z"})", "T"},
      {R"({"Variable":"$.v","TimestampGreaterThan":"2012-10-09T23:59:59-05:00"})",
       R"({"v":"2012-10-10T05:00:00Z"})", "T"},
      // An operand path to a non-timestamp is false too.
      {R"({"Variable":"$.v","TimestampEqualsPath":"$.w"})",
       R"({"v":"2012-10-09T19:00:55Z","w":"2012-10-09"})", "F"},
      {R"({"Variable":"$.v","TimestampLessThanEqualsPath":"$.w"})",
       R"({"v":"2012-10-09T19:00:55Z","w":1})", "F"},
  });
}

// ---------------------------------------------------------------------------
// StringMatches (not in the corpus: AWS documentation semantics).

TEST(ChoiceRuleTest, StringMatches) {
  auto m = [](const char* pattern_json, const char* value_json) {
    return Outcome(std::string(R"({"Variable":"$.v","StringMatches":)") + pattern_json + "}",
                   std::string(R"({"v":)") + value_json + "}");
  };
  EXPECT_EQ(m(R"("log-*.txt")", R"("log-2023.txt")"), "T");
  EXPECT_EQ(m(R"("log-*.txt")", R"("log-.txt")"), "T");
  EXPECT_EQ(m(R"("log-*.txt")", R"("log-2023.txt.gz")"), "F");
  EXPECT_EQ(m(R"("log-*.txt")", R"("xlog-1.txt")"), "F");
  EXPECT_EQ(m(R"("*")", R"("")"), "T");
  EXPECT_EQ(m(R"("*")", R"("anything")"), "T");
  EXPECT_EQ(m(R"("")", R"("")"), "T");
  EXPECT_EQ(m(R"("")", R"("a")"), "F");
  EXPECT_EQ(m(R"("abc")", R"("abc")"), "T");
  EXPECT_EQ(m(R"("abc")", R"("abcd")"), "F");
  EXPECT_EQ(m(R"("a*b*c")", R"("abc")"), "T");
  EXPECT_EQ(m(R"("a*b*c")", R"("aXbYbZc")"), "T");
  EXPECT_EQ(m(R"("a*b*c")", R"("acb")"), "F");
  EXPECT_EQ(m(R"("*ab*ab*")", R"("abab")"), "T");
  EXPECT_EQ(m(R"("*ab*ab*")", R"("aba")"), "F");
  EXPECT_EQ(m(R"("ab*ba")", R"("aba")"), "F");  // prefix and suffix must not overlap
  EXPECT_EQ(m(R"("ab*ba")", R"("abba")"), "T");
  EXPECT_EQ(m(R"("**a**")", R"("xay")"), "T");
  EXPECT_EQ(m(R"("*aab")", R"("aaab")"), "T");
  EXPECT_EQ(m(R"("*x*aab*")", R"("xaaab")"), "T");  // KMP restart inside a partial match
  // Escapes: \* is a literal star, \\ a literal backslash (JSON doubles them).
  EXPECT_EQ(m(R"("a\\*b")", R"("a*b")"), "T");
  EXPECT_EQ(m(R"("a\\*b")", R"("axb")"), "F");
  EXPECT_EQ(m(R"("a\\\\*")", R"("a\\bc")"), "T");
  EXPECT_EQ(m(R"("a\\\\*")", R"("abc")"), "F");
  EXPECT_EQ(m(R"("a\\\\\\*")", R"("a\\*")"), "T");
  EXPECT_EQ(m(R"("a\\\\\\*")", R"("a\\x")"), "F");
  EXPECT_EQ(m(R"("\\d")", R"("\\d")"), "T");  // other escapes are literal
  // Non-strings never match.
  EXPECT_EQ(m(R"("*")", "1"), "F");
  EXPECT_EQ(m(R"("*")", "null"), "F");
  // UTF-8 text.
  EXPECT_EQ(m(R"("caf*\u00e9")", R"("caf\u00e9")"), "T");
}

TEST(ChoiceRuleTest, StringMatchesIsLinear) {
  // Patterns that make backtracking matchers exponential or quadratic.
  std::string text(200000, 'a');
  std::string pattern;
  for (int i = 0; i < 2000; ++i) pattern += "*a";
  pattern += "*b*";
  auto compiled = Compile(std::string(R"({"Variable":"$.v","StringMatches":")") + pattern + "\"}");
  ASSERT_TRUE(compiled);
  Json input = Json::object();
  input["v"] = text;
  SimplePathEnv env(input);
  auto start = std::chrono::steady_clock::now();
  auto r = EvaluateChoiceRule(*compiled, env);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_LT(elapsed, std::chrono::seconds(2));

  std::string long_piece(5000, 'a');
  long_piece += 'b';
  auto compiled2 =
      Compile(std::string(R"({"Variable":"$.v","StringMatches":"*)") + long_piece + "*\"}");
  ASSERT_TRUE(compiled2);
  start = std::chrono::steady_clock::now();
  r = EvaluateChoiceRule(*compiled2, env);
  elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

// ---------------------------------------------------------------------------
// And / Or / Not and roots.

TEST(ChoiceRuleTest, Combinators) {
  const char* input = R"({"type":"Private","value":22})";
  RunCases({
      // choice/choice_aws_docs_scenario
      {R"({"Not":{"Variable":"$.type","StringEquals":"Private"}})", input, "F"},
      {R"({"Variable":"$.value","NumericEquals":0})", input, "F"},
      {R"({"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},
                  {"Variable":"$.value","NumericLessThan":30}]})",
       input, "T"},
      // choice/choice_singleton_composite
      {R"({"And":[{"Variable":"$.type","StringEquals":"Private"}]})", input, "T"},
      {R"({"Or":[{"Variable":"$.type","StringEquals":"Public"},
                 {"Variable":"$.value","NumericEquals":22}]})",
       input, "T"},
      {R"({"Or":[{"Variable":"$.type","StringEquals":"Public"}]})", input, "F"},
      {R"({"Not":{"Not":{"Variable":"$.value","IsNumeric":true}}})", input, "T"},
      {R"({"And":[{"Or":[{"Variable":"$.x","IsPresent":true},{"Variable":"$.value","IsNumeric":true}]},
                  {"Not":{"Variable":"$.type","IsNull":true}}]})",
       input, "T"},
  });
  // And / Or short-circuit: the guard keeps the missing path from failing.
  RunCases({
      {R"({"And":[{"Variable":"$.flag","IsPresent":true},
                  {"Variable":"$.flag","BooleanEquals":true}]})",
       "{}", "F"},
      {R"({"Or":[{"Variable":"$.flag","IsPresent":false},
                 {"Variable":"$.flag","BooleanEquals":true}]})",
       "{}", "T"},
      {R"({"And":[{"Variable":"$.flag","IsPresent":false},
                  {"Variable":"$.flag","BooleanEquals":true}]})",
       "{}",
       "States.Runtime:Invalid path '$.flag': The choice state's condition path references an "
       "invalid value."},
      {R"({"Not":{"Variable":"$.flag","BooleanEquals":true}})", "{}",
       "States.Runtime:Invalid path '$.flag': The choice state's condition path references an "
       "invalid value."},
  });
}

TEST(ChoiceRuleTest, ContextAndVariableRoots) {
  // context/variable
  EXPECT_EQ(Outcome(R"({"Variable":"$$.Execution.Input.input-value","NumericLessThanEquals":0})",
                    R"({"input-value":0})", "{}", R"({"Execution":{"Input":{"input-value":0}}})"),
            "T");
  // variables/reference_assign_BASE_REFERENCE_IN_CHOICE
  EXPECT_EQ(Outcome(R"({"Variable":"$guess","StringEqualsPath":"$answer"})", "{}",
                    R"({"guess":"the_guess","answer":"the_answer"})"),
            "F");
  EXPECT_EQ(Outcome(R"({"Variable":"$guess","StringEqualsPath":"$answer"})", "{}",
                    R"({"guess":"the_answer","answer":"the_answer"})"),
            "T");
  EXPECT_EQ(Outcome(R"({"Variable":"$x.a[1]","NumericEquals":2})", "{}", R"({"x":{"a":[1,2]}})"),
            "T");
  EXPECT_EQ(Outcome(R"({"Variable":"$","IsNumeric":true})", "5"), "T");
  EXPECT_EQ(Outcome(R"({"Variable":"$$","IsPresent":true})", "5"), "T");
  // variables/assign_in_choice_state_*: "42" is a string, not 42.
  EXPECT_EQ(
      Outcome(R"({"Variable":"$.input_value","NumericEquals":42})", R"({"input_value":"42"})"),
      "F");
  EXPECT_EQ(Outcome(R"({"Variable":"$.input_value","IsPresent":false})", R"({"input_value":"42"})"),
            "F");
}

TEST(ChoiceRuleTest, IndefinitePathsSelectAnArray) {
  RunCases({
      {R"({"Variable":"$.items[*].id","IsPresent":true})", R"({"items":[{"id":1}]})", "T"},
      {R"({"Variable":"$.items[*]","IsNumeric":true})", R"({"items":[1]})", "F"},
  });
}

// ---------------------------------------------------------------------------
// Top level: Next, Assign, Paths.

TEST(ChoiceRuleTest, TopLevelNextAndAssign) {
  auto rule = Compile(R"({"Variable":"$.input_value","NumericEquals":42,
                          "Assign":{"status":"CORRECT","guess.$":"$.input_value"},
                          "Next":"FinalState"})",
                      /*top_level=*/true);
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->next(), "FinalState");
  ASSERT_NE(rule->assign(), nullptr);
  EXPECT_EQ(*rule->assign(), J(R"({"status":"CORRECT","guess.$":"$.input_value"})"));

  // Unsorted fields (choice/choice_unsorted_parameters_*).
  auto unsorted =
      Compile(R"({"BooleanEquals":true,"Next":"FinishTrue","Variable":"$.result.done"})", true);
  ASSERT_TRUE(unsorted);
  EXPECT_EQ(unsorted->next(), "FinishTrue");
  EXPECT_EQ(unsorted->assign(), nullptr);

  auto combined = Compile(
      R"({"Comment":"c","And":[{"Variable":"$.a","NumericEqualsPath":"$b"},
         {"Not":{"Variable":"$$.c","IsNull":true}}],"Next":"X"})",
      true);
  ASSERT_TRUE(combined);
  EXPECT_EQ(combined->next(), "X");
  std::vector<std::string> texts;
  for (const JsonPath* p : combined->Paths()) texts.push_back(p->text());
  EXPECT_EQ(texts, (std::vector<std::string>{"$.a", "$b", "$$.c"}));

  auto nested = Compile(R"({"Variable":"$.a","IsNull":true})");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->next(), "");
}

// ---------------------------------------------------------------------------
// Definition errors.

TEST(ChoiceRuleTest, ReportsDefinitionErrors) {
  struct Row {
    const char* rule;
    bool top_level;
    const char* expect;  // substring of the diagnostics, incl. the pointer
  };
  const Row rows[] = {
      {R"("StringEquals")", true, "/r: a Choice rule must be an object"},
      {R"({"Variable":"$.a","StringEqualz":"x","Next":"N"})", true,
       "/r/StringEqualz: unknown field 'StringEqualz'"},
      {R"({"Variable":"$.a","Next":"N"})", true, "/r: a Choice rule needs one comparison"},
      {R"({"StringEquals":"x","Next":"N"})", true,
       "/r: a Choice rule with StringEquals needs Variable"},
      {R"({"Variable":"$.a","StringEquals":1,"Next":"N"})", true,
       "/r/StringEquals: StringEquals must be a string, not a number"},
      {R"({"Variable":"$.a","NumericEquals":"1","Next":"N"})", true,
       "/r/NumericEquals: NumericEquals must be a number, not a string"},
      {R"({"Variable":"$.a","BooleanEquals":"true","Next":"N"})", true,
       "/r/BooleanEquals: BooleanEquals must be true or false"},
      {R"({"Variable":"$.a","IsNull":"yes","Next":"N"})", true,
       "/r/IsNull: IsNull must be true or false"},
      {R"({"Variable":"$.a","StringMatches":null,"Next":"N"})", true,
       "/r/StringMatches: StringMatches must be a string, not null"},
      {R"({"Variable":"$.a","TimestampEquals":"2016-12-05T21:29:29","Next":"N"})", true,
       "/r/TimestampEquals: TimestampEquals: '2016-12-05T21:29:29' is not an ISO-8601"},
      {R"({"Variable":"$.a","TimestampLessThan":5,"Next":"N"})", true,
       "/r/TimestampLessThan: TimestampLessThan must be a timestamp string"},
      {R"({"Variable":"$.a","NumericEqualsPath":"b","Next":"N"})", true,
       "/r/NumericEqualsPath: NumericEqualsPath must be a JSONPath starting with '$'"},
      {R"({"Variable":"$.a","NumericEqualsPath":5,"Next":"N"})", true,
       "/r/NumericEqualsPath: NumericEqualsPath must be a JSONPath string"},
      {R"({"Variable":"$.a[","IsNull":true,"Next":"N"})", true, "/r/Variable: Variable: "},
      {R"({"Variable":"a","IsNull":true,"Next":"N"})", true, "/r/Variable: Variable must be a"},
      {R"({"Variable":3,"IsNull":true,"Next":"N"})", true, "/r/Variable: Variable must be a"},
      {R"({"Variable":"$.a","IsNull":true,"IsPresent":true,"Next":"N"})", true,
       "/r: a Choice rule must have exactly one of a comparison operator, And, Or, Not; found "
       "IsNull, IsPresent"},
      {R"({"Variable":"$.a","IsNull":true})", true, "/r: a top-level Choice rule needs Next"},
      {R"({"Variable":"$.a","IsNull":true,"Next":""})", true, "/r/Next: Next must be a non-empty"},
      {R"({"Variable":"$.a","IsNull":true,"Next":5})", true, "/r/Next: Next must be a non-empty"},
      {R"({"Variable":"$.a","IsNull":true,"Next":"N"})", false,
       "/r/Next: Next is only allowed in a top-level Choice rule"},
      {R"({"Variable":"$.a","IsNull":true,"Assign":{}})", false,
       "/r/Assign: Assign is only allowed in a top-level Choice rule"},
      {R"({"Variable":"$.a","IsNull":true,"Assign":[],"Next":"N"})", true,
       "/r/Assign: Assign must be an object"},
      {R"({"And":[],"Next":"N"})", true, "/r/And: And must be a non-empty array"},
      {R"({"Or":{},"Next":"N"})", true, "/r/Or: Or must be a non-empty array"},
      {R"({"Not":[],"Next":"N"})", true, "/r/Not: a Choice rule must be an object"},
      {R"({"Variable":"$.a","And":[{"Variable":"$.a","IsNull":true}],"Next":"N"})", true,
       "/r/Variable: Variable is not allowed next to And"},
      {R"({"And":[{"Variable":"$.a","IsNull":true,"Next":"N"}],"Next":"N"})", true,
       "/r/And/0/Next: Next is only allowed in a top-level Choice rule"},
      {R"({"Or":[{"Variable":"$.a","IsNull":true},{"Variable":"$.b"}],"Next":"N"})", true,
       "/r/Or/1: a Choice rule needs one comparison"},
      {R"({"Not":{"Variable":"$.a","NumericEquals":true},"Next":"N"})", true,
       "/r/Not/NumericEquals: NumericEquals must be a number, not a boolean"},
      {R"({"Condition":"{% true %}","Next":"N"})", true, "/r/Condition: Condition is a JSONata"},
      {R"({"Variable":"$.a","IsNull":true,"Comment":1,"Next":"N"})", true,
       "/r/Comment: Comment must be a string"},
      {R"({"Variable":"$.a","IsNull":true,"Next":"N","a/b":1})", true,
       "/r/a~1b: unknown field 'a/b'"},
  };
  for (const auto& row : rows) {
    std::string text = Problems(row.rule, row.top_level);
    EXPECT_NE(text.find(row.expect), std::string::npos)
        << row.rule << "\nwanted: " << row.expect << "\ngot:\n"
        << text;
  }
  // Every problem is reported, not just the first.
  std::string all = Problems(
      R"({"And":[{"Variable":"$.a","NumericEquals":"1"},{"Variable":"$.b","StringEquals":2}]})",
      true);
  EXPECT_NE(all.find("/r/And/0/NumericEquals"), std::string::npos) << all;
  EXPECT_NE(all.find("/r/And/1/StringEquals"), std::string::npos) << all;
  EXPECT_NE(all.find("/r: a top-level Choice rule needs Next"), std::string::npos) << all;
}

// ---------------------------------------------------------------------------
// The whole AWS-recorded corpus: cases/choice plus the Choice cases of
// cases/context and cases/variables, run through a tiny interpreter that
// knows Choice, Pass and Fail (enough for these definitions).

std::filesystem::path CorpusDir() {
  if (const char* env = std::getenv("HPCFLOW_CONFORMANCE_DIR")) return env;
#ifdef HPCFLOW_CONFORMANCE_DIR
  return HPCFLOW_CONFORMANCE_DIR;
#else
  // tests/unit/workflows/ -> repository root -> its sibling shared/conformance.
  return std::filesystem::path(__FILE__).parent_path() / "../../../../shared/conformance";
#endif
}

Json LoadJson(const std::filesystem::path& file) {
  auto text = ReadFile(file.string());
  if (!text) {
    ADD_FAILURE() << "cannot read " << file << ": " << text.error().cause;
    return Json();
  }
  auto parsed = ParseJson(*text);
  if (!parsed) {
    ADD_FAILURE() << file << ": " << parsed.error().cause;
    return Json();
  }
  return *parsed;
}

// Evaluates a flat payload template / Assign object: "k.$" keys take a path.
Json EvalTemplate(const Json& tmpl, const PathEnv& env) {
  Json out = Json::object();
  for (auto it = tmpl.begin(); it != tmpl.end(); ++it) {
    const std::string& key = it.key();
    if (key.size() > 2 && key.ends_with(".$")) {
      auto path = JsonPath::Parse(it.value().get<std::string>());
      EXPECT_TRUE(path) << key;
      if (!path) continue;
      auto value = path->Evaluate(env);
      EXPECT_TRUE(value) << key;
      out[key.substr(0, key.size() - 2)] = value ? *value : Json();
    } else {
      out[key] = it.value();
    }
  }
  return out;
}

// Runs a definition made of Choice, Pass and Fail states.
Json RunMachine(const Json& definition, const Json& input) {
  Json data = input;
  Json vars = Json::object();
  Json context = {{"Execution", {{"Input", input}}}};
  std::string state = definition["StartAt"];
  for (int step = 0; step < 100; ++step) {
    const Json& s = definition["States"][state];
    const std::string pointer = "/States/" + state;
    const std::string type = s["Type"];
    SimplePathEnv env(data, &context, &vars);
    if (type == "Choice") {
      std::string next = s.value("Default", "");
      const Json* assign = s.contains("Assign") ? &s["Assign"] : nullptr;
      for (size_t i = 0; i < s["Choices"].size(); ++i) {
        Diagnostics diags;
        auto rule =
            ParseChoiceRule(s["Choices"][i], PointerAppend(pointer + "/Choices", i), true, diags);
        if (!rule) {
          ADD_FAILURE() << DiagText(diags);
          return {{"status", "FAILED"}, {"error", "InvalidDefinition"}};
        }
        Result<bool> r = EvaluateChoiceRule(*rule, env);
        if (!r)
          return {{"status", "FAILED"}, {"error", r.error().name}, {"cause", r.error().cause}};
        if (*r) {
          next = rule->next();
          assign = rule->assign();
          break;
        }
      }
      if (next.empty()) return {{"status", "FAILED"}, {"error", "States.NoChoiceMatched"}};
      if (assign) {
        Json values = EvalTemplate(*assign, env);
        for (auto it = values.begin(); it != values.end(); ++it) vars[it.key()] = it.value();
      }
      state = next;
    } else if (type == "Pass") {
      Json output = data;
      if (s.contains("Result")) output = s["Result"];
      if (s.contains("Parameters")) output = EvalTemplate(s["Parameters"], env);
      if (s.contains("Assign")) {
        Json values = EvalTemplate(s["Assign"], env);
        for (auto it = values.begin(); it != values.end(); ++it) vars[it.key()] = it.value();
      }
      data = output;
      if (s.value("End", false)) return {{"status", "SUCCEEDED"}, {"output", data}};
      state = s["Next"];
    } else if (type == "Fail") {
      Json result = {{"status", "FAILED"}};
      if (s.contains("Error")) result["error"] = s["Error"];
      if (s.contains("Cause")) result["cause"] = s["Cause"];
      return result;
    } else {
      ADD_FAILURE() << "unsupported state type " << type;
      return Json();
    }
  }
  ADD_FAILURE() << "too many steps";
  return Json();
}

TEST(ChoiceCorpusTest, MatchesEveryAwsRecording) {
  const std::filesystem::path root = CorpusDir() / "cases";
  ASSERT_TRUE(std::filesystem::is_directory(root / "choice"))
      << "conformance corpus not found at " << root
      << "; set HPCFLOW_CONFORMANCE_DIR to the directory holding cases/";

  std::vector<std::filesystem::path> cases;
  for (const auto& entry : std::filesystem::directory_iterator(root / "choice")) {
    cases.push_back(entry.path());
  }
  ASSERT_EQ(cases.size(), 495u) << "the choice corpus changed";
  for (const char* extra : {"context/variable", "variables/assign_in_choice_state_CORRECT",
                            "variables/assign_in_choice_state_INCORRECT",
                            "variables/reference_assign_BASE_REFERENCE_IN_CHOICE"}) {
    ASSERT_TRUE(std::filesystem::is_directory(root / extra)) << extra;
    cases.push_back(root / extra);
  }
  std::sort(cases.begin(), cases.end());

  int passed = 0;
  for (const auto& dir : cases) {
    Json definition = LoadJson(dir / "definition.json");
    Json input = LoadJson(dir / "input.json");
    Json expected = LoadJson(dir / "expected.json");
    expected.erase("ignore_paths");
    Json got = RunMachine(definition, input);
    EXPECT_EQ(got, expected) << dir.filename() << ": input " << input.dump();
    if (got == expected) ++passed;
  }
  EXPECT_EQ(passed, static_cast<int>(cases.size()));
}

}  // namespace
}  // namespace hpcflow::workflows
