#include "workflows/json_path.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "workflows/json_path_filter.h"

namespace hpcflow::workflows {
namespace {

Json J(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? *parsed : Json();
}

JsonPath P(std::string_view text) {
  auto path = JsonPath::Parse(text);
  EXPECT_TRUE(path.has_value()) << text << ": " << (path ? "" : path.error().cause);
  if (!path) return *JsonPath::Parse("$");
  return *path;
}

// The compact JSON of what `path` selects in `doc`, or "<none>".
std::string Eval(std::string_view path, std::string_view doc) {
  auto value = P(path).Evaluate(J(doc));
  return value ? DumpJson(*value) : "<none>";
}

// The error cause for a path that must not parse.
std::string ParseError(std::string_view text) {
  auto path = JsonPath::Parse(text);
  EXPECT_FALSE(path.has_value()) << text;
  return path ? "" : path.error().cause;
}

constexpr const char* kStore = R"({
  "store": {
    "book": [
      {"title": "A", "price": 8, "tag": "x"},
      {"title": "B", "price": 12},
      {"title": "C", "price": 5, "tag": "y"},
      {"title": "D", "price": 20, "tag": null}
    ],
    "bicycle": {"color": "red", "price": 19}
  },
  "limit": 10
})";

// ---------------------------------------------------------------------------
// Parsing: roots, definiteness, canonical form.

TEST(JsonPathTest, ParsesTheThreeRoots) {
  JsonPath input = P("$.a");
  EXPECT_EQ(input.root(), JsonPath::Root::kInput);
  EXPECT_FALSE(input.is_root_only());

  JsonPath context = P("$$.Execution.Id");
  EXPECT_EQ(context.root(), JsonPath::Root::kContext);

  JsonPath variable = P("$my_var.field");
  EXPECT_EQ(variable.root(), JsonPath::Root::kVariable);
  EXPECT_EQ(variable.variable_name(), "my_var");

  EXPECT_TRUE(P("$").is_root_only());
  EXPECT_TRUE(P("$$").is_root_only());
  EXPECT_EQ(P("$$").root(), JsonPath::Root::kContext);
  JsonPath bare_variable = P("$x");
  EXPECT_TRUE(bare_variable.is_root_only());
  EXPECT_EQ(bare_variable.root(), JsonPath::Root::kVariable);
  EXPECT_EQ(bare_variable.variable_name(), "x");
}

// Regression: "$$.Execution.Name " (the seed TestRunner's Payload) failed as
// "could not be found"; AWS trims the blanks around a path.
TEST(JsonPathTest, BlanksAroundAPathAreIgnoredAsOnAws) {
  EXPECT_EQ(Eval("$.a ", R"({"a": 1})"), "1");
  EXPECT_EQ(Eval(" \t$.a.b\n", R"({"a": {"b": "x"}})"), "\"x\"");
  EXPECT_EQ(P("$$.Execution.Name ").root(), JsonPath::Root::kContext);
  EXPECT_TRUE(P("$ ").is_root_only());
}

TEST(JsonPathTest, KeepsTheTextAsWritten) { EXPECT_EQ(P("$.a['b'][0]").text(), "$.a['b'][0]"); }

TEST(JsonPathTest, DefiniteOnlyForFieldsAndSingleIndexes) {
  for (const char* text : {"$", "$$", "$v", "$.a", "$.a.b[0]", "$['a']['b c']", "$.a[-1]",
                           "$$.Map.Item.Value", "$v.x[2]"}) {
    EXPECT_TRUE(P(text).is_definite()) << text;
  }
  for (const char* text : {"$.a[*]", "$.a.*", "$..a", "$.a[1:3]", "$.a[0,2]", "$['a','b']",
                           "$.a[?(@.x > 1)]", "$..*"}) {
    EXPECT_FALSE(P(text).is_definite()) << text;
  }
}

TEST(JsonPathTest, CanonicalFormIsTheOneAwsPrints) {
  EXPECT_EQ(P("$.a.b[0]").Canonical(), "$['a']['b'][0]");
  EXPECT_EQ(P("$['x y'].z").Canonical(), "$['x y']['z']");
  EXPECT_EQ(P("$").Canonical(), "$");
  EXPECT_EQ(P("$$.Execution.Input").Canonical(), "$$['Execution']['Input']");
  EXPECT_EQ(P("$var.f").Canonical(), "$var['f']");
  EXPECT_EQ(P("$.NoSuchInputPath").Canonical(), "$['NoSuchInputPath']");
  EXPECT_EQ(P("$.a[*]").Canonical(), "$['a'][*]");
}

TEST(JsonPathTest, RejectsMalformedPaths) {
  EXPECT_NE(ParseError("").find("must start with '$'"), std::string::npos);
  EXPECT_NE(ParseError("a.b").find("must start with '$'"), std::string::npos);
  EXPECT_NE(ParseError("$.").find("expected a name after '.'"), std::string::npos);
  EXPECT_NE(ParseError("$.a[").find("offset"), std::string::npos);
  EXPECT_NE(ParseError("$.a[0").find("expected ']'"), std::string::npos);
  EXPECT_NE(ParseError("$['a").find("unterminated quoted name"), std::string::npos);
  EXPECT_NE(ParseError("$.a[x]").find("expected an index"), std::string::npos);
  EXPECT_NE(ParseError("$.a[?(@.x > 1]").find("unterminated filter"), std::string::npos);
  EXPECT_NE(ParseError("$.a[::0]").find("bad slice step"), std::string::npos);
  EXPECT_NE(ParseError("$..").find("expected a name after '..'"), std::string::npos);
  EXPECT_NE(ParseError("$a b").find("unexpected ' '"), std::string::npos);
  // The cause names the path and where it went wrong.
  EXPECT_EQ(ParseError("$.a[0"), "invalid JSONPath '$.a[0': expected ']' at offset 5");
}

// ---------------------------------------------------------------------------
// Definite paths.

TEST(JsonPathTest, DefinitePathsFindOneValueOrNothing) {
  EXPECT_EQ(Eval("$", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(Eval("$.store.bicycle.color", kStore), R"("red")");
  EXPECT_EQ(Eval("$.store.book[1].title", kStore), R"("B")");
  EXPECT_EQ(Eval("$['store']['book'][0]['price']", kStore), "8");
  EXPECT_EQ(Eval("$.store.book[-1].title", kStore), R"("D")");
  EXPECT_EQ(Eval("$.store.book[-4].title", kStore), R"("A")");
  // A null value is a value, not a missing one.
  EXPECT_EQ(Eval("$.store.book[3].tag", kStore), "null");

  EXPECT_EQ(Eval("$.missing", kStore), "<none>");
  EXPECT_EQ(Eval("$.store.book[4]", kStore), "<none>");
  EXPECT_EQ(Eval("$.store.book[-5]", kStore), "<none>");
  EXPECT_EQ(Eval("$.store.bicycle[0]", kStore), "<none>");  // index into an object
  EXPECT_EQ(Eval("$.limit.x", kStore), "<none>");           // field of a number
  EXPECT_EQ(Eval("$[0]", "[]"), "<none>");
}

TEST(JsonPathTest, FindPointsIntoTheDocument) {
  Json doc = J(kStore);
  const Json* found = P("$.store.bicycle").Find(doc);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found, &doc["store"]["bicycle"]);
  EXPECT_EQ(P("$.store.car").Find(doc), nullptr);
  EXPECT_EQ(P("$").Find(doc), &doc);
}

TEST(JsonPathTest, QuotedNamesMayHoldAnyCharacter) {
  Json doc = J(R"({"a.b": 1, "x y": {"it's": 2}, "q\"q": 3, "":4})");
  EXPECT_EQ(DumpJson(*P("$['a.b']").Evaluate(doc)), "1");
  EXPECT_EQ(DumpJson(*P(R"($['x y']['it\'s'])").Evaluate(doc)), "2");
  EXPECT_EQ(DumpJson(*P(R"($["q\"q"])").Evaluate(doc)), "3");
  EXPECT_EQ(DumpJson(*P("$['']").Evaluate(doc)), "4");
  // Dotted names run to the next '.' or '['; non-ASCII is fine.
  EXPECT_EQ(Eval("$.na-me", R"({"na-me": 5})"), "5");
  EXPECT_EQ(Eval("$.caf\xc3\xa9", "{\"caf\xc3\xa9\": 6}"), "6");
}

// ---------------------------------------------------------------------------
// Paths that select lists.

TEST(JsonPathTest, WildcardsSelectEveryChild) {
  EXPECT_EQ(Eval("$.store.book[*].title", kStore), R"(["A","B","C","D"])");
  EXPECT_EQ(Eval("$.store.bicycle.*", kStore), R"(["red",19])");
  EXPECT_EQ(Eval("$[*]", "[1,[2],{}]"), "[1,[2],{}]");
  // Over missing data AWS gives an empty list, not an error
  // (corpus: paths/json_path_array_wildcard_or_slice_with_no_input_*).
  EXPECT_EQ(Eval("$.items[*]", "{}"), "[]");
  EXPECT_EQ(Eval("$.items[*].itemValue", "{}"), "[]");
  EXPECT_EQ(Eval("$[*]", "{}"), "[]");
  EXPECT_EQ(Eval("$.items[1:]", "{}"), "[]");
  EXPECT_EQ(Eval("$.item.items[1:5].itemValue", "{}"), "[]");
  // A wildcard over a scalar selects nothing.
  EXPECT_EQ(Eval("$.limit[*]", kStore), "[]");
}

TEST(JsonPathTest, SlicesFollowPythonRules) {
  const char* doc = "[0,1,2,3,4,5]";
  EXPECT_EQ(Eval("$[1:3]", doc), "[1,2]");
  EXPECT_EQ(Eval("$[:2]", doc), "[0,1]");
  EXPECT_EQ(Eval("$[4:]", doc), "[4,5]");
  EXPECT_EQ(Eval("$[-2:]", doc), "[4,5]");
  EXPECT_EQ(Eval("$[:-4]", doc), "[0,1]");
  EXPECT_EQ(Eval("$[::2]", doc), "[0,2,4]");
  EXPECT_EQ(Eval("$[1:100]", doc), "[1,2,3,4,5]");
  EXPECT_EQ(Eval("$[3:1]", doc), "[]");
  EXPECT_EQ(Eval("$[::-1]", doc), "[5,4,3,2,1,0]");
  EXPECT_EQ(Eval("$[4:1:-2]", doc), "[4,2]");
  EXPECT_EQ(Eval("$[1:3]", R"({"a":1})"), "[]");
}

TEST(JsonPathTest, UnionsSelectInTheOrderWritten) {
  EXPECT_EQ(Eval("$[2,0]", "[10,11,12]"), "[12,10]");
  EXPECT_EQ(Eval("$[0,-1,7]", "[10,11,12]"), "[10,12]");
  EXPECT_EQ(Eval("$['b','a','zz']", R"({"a":1,"b":2})"), "[2,1]");
}

TEST(JsonPathTest, DeepScanFindsEveryMatchInDocumentOrder) {
  EXPECT_EQ(Eval("$..price", kStore), "[8,12,5,20,19]");
  EXPECT_EQ(Eval("$..title", kStore), R"(["A","B","C","D"])");
  EXPECT_EQ(Eval("$..nothing", kStore), "[]");
  EXPECT_EQ(Eval("$..a", R"({"a":{"a":1}})"), R"([{"a":1},1])");
  EXPECT_EQ(Eval("$..*", R"({"a":[1,{"b":2}]})"), R"([[1,{"b":2}],1,{"b":2},2])");
  EXPECT_EQ(Eval("$..[0]", R"({"a":[1,2],"b":{"c":[3]}})"), "[1,3]");
}

TEST(JsonPathTest, FiltersSelectMatchingElements) {
  EXPECT_EQ(Eval("$.store.book[?(@.price < 10)].title", kStore), R"(["A","C"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price >= 12)].title", kStore), R"(["B","D"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price == 12)].title", kStore), R"(["B"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price != 12)].title", kStore), R"(["A","C","D"])");
  EXPECT_EQ(Eval("$.store.book[?(@.tag == 'x')].title", kStore), R"(["A"])");
  EXPECT_EQ(Eval(R"($.store.book[?(@.tag == "y")].title)", kStore), R"(["C"])");
  // A bare operand tests that the path exists.
  EXPECT_EQ(Eval("$[?(@.t)].n", R"([{"n":1,"t":1},{"n":2},{"n":3,"t":"x"}])"), "[1,3]");
  EXPECT_EQ(Eval("$[?(!@.t)].n", R"([{"n":1,"t":1},{"n":2},{"n":3,"t":"x"}])"), "[2]");
  EXPECT_EQ(Eval("$.store.book[?(@.price > 6 && @.tag == 'x')].title", kStore), R"(["A"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price < 6 || @.price > 15)].title", kStore), R"(["C","D"])");
  EXPECT_EQ(Eval("$.store.book[?((@.price < 6 || @.price > 15) && @.tag == 'y')].title", kStore),
            R"(["C"])");
  // `$` inside a filter is the document root.
  EXPECT_EQ(Eval("$.store.book[?(@.price > $.limit)].title", kStore), R"(["B","D"])");
  EXPECT_EQ(Eval("$[?(@ > 2)]", "[1,2,3,4]"), "[3,4]");
  EXPECT_EQ(Eval("$[?(@.x == true)]", R"([{"x":true},{"x":1},{"x":false}])"), R"([{"x":true}])");
  EXPECT_EQ(Eval("$[?(@.x == null)]", R"([{"x":null},{"y":1}])"), R"([{"x":null}])");
}

TEST(JsonPathFilterTest, ParsesAndEvaluatesDirectly) {
  auto expr = ParseFilterExpr("@.n > 1 && @.s == 'a'");
  ASSERT_TRUE(expr.has_value()) << expr.error().cause;
  Json root = J("{}");
  EXPECT_TRUE(EvaluateFilter(**expr, J(R"({"n":2,"s":"a"})"), root));
  EXPECT_FALSE(EvaluateFilter(**expr, J(R"({"n":1,"s":"a"})"), root));
  EXPECT_FALSE(EvaluateFilter(**expr, J(R"({"n":2,"s":"b"})"), root));
  EXPECT_FALSE(EvaluateFilter(**expr, J(R"({"s":"a"})"), root));
  EXPECT_FALSE(EvaluateFilter(**expr, J("3"), root));

  EXPECT_FALSE(ParseFilterExpr("@.a >").has_value());
  EXPECT_FALSE(ParseFilterExpr("@.a == 'x").has_value());
  EXPECT_FALSE(ParseFilterExpr("(@.a").has_value());
  EXPECT_FALSE(ParseFilterExpr("").has_value());
}

// ---------------------------------------------------------------------------
// Environments: `$`, `$$`, `$name`.

TEST(JsonPathTest, EvaluatesAgainstTheEnvRoots) {
  Json input = J(R"({"a":1})");
  Json context = J(R"({"Execution":{"Name":"run-1"}})");
  Json variables = J(R"({"count":3,"obj":{"k":[5,6]}})");
  SimplePathEnv env(input, &context, &variables);

  EXPECT_EQ(DumpJson(*P("$.a").Evaluate(env)), "1");
  EXPECT_EQ(DumpJson(*P("$$.Execution.Name").Evaluate(env)), R"("run-1")");
  EXPECT_EQ(DumpJson(*P("$count").Evaluate(env)), "3");
  EXPECT_EQ(DumpJson(*P("$obj.k[1]").Evaluate(env)), "6");
  EXPECT_EQ(DumpJson(*P("$obj.k[*]").Evaluate(env)), "[5,6]");
  EXPECT_FALSE(P("$undefined").Evaluate(env).has_value());
  EXPECT_FALSE(P("$obj.nope").Evaluate(env).has_value());
  EXPECT_FALSE(P("$$.State").Evaluate(env).has_value());

  // Without a context or variables: `$$` is an empty object, no variable exists.
  SimplePathEnv bare(input);
  EXPECT_EQ(DumpJson(*P("$$").Evaluate(bare)), "{}");
  EXPECT_FALSE(P("$count").Evaluate(bare).has_value());
}

// ---------------------------------------------------------------------------
// Assign (ResultPath).

TEST(JsonPathTest, AssignReplacesOrCreatesFields) {
  Json doc = J(R"({"a":{"b":1},"keep":true})");
  ASSERT_TRUE(P("$.a.b").Assign(doc, J("2")));
  EXPECT_EQ(DumpJson(doc), R"({"a":{"b":2},"keep":true})");

  ASSERT_TRUE(P("$.x.y.z").Assign(doc, J("[1]")));
  EXPECT_EQ(DumpJson(doc), R"({"a":{"b":2},"keep":true,"x":{"y":{"z":[1]}}})");

  Json list = J(R"({"l":[0,{"v":1}]})");
  ASSERT_TRUE(P("$.l[1].v").Assign(list, J(R"("new")")));
  ASSERT_TRUE(P("$.l[-2]").Assign(list, J("9")));
  EXPECT_EQ(DumpJson(list), R"({"l":[9,{"v":"new"}]})");

  Json whole = J("{}");
  ASSERT_TRUE(P("$").Assign(whole, J("5")));
  EXPECT_EQ(DumpJson(whole), "5");
}

TEST(JsonPathTest, AssignFailsThroughNonObjectsAndBadIndexes) {
  Json doc = J(R"({"n":1,"l":[1]})");
  auto through_number = P("$.n.x").Assign(doc, J("1"));
  ASSERT_FALSE(through_number);
  EXPECT_EQ(through_number.error().name, "States.Runtime");
  EXPECT_NE(through_number.error().cause.find("Unable to apply ResultPath '$.n.x'"),
            std::string::npos);

  auto out_of_range = P("$.l[3]").Assign(doc, J("1"));
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(out_of_range.error().name, "States.Runtime");

  auto index_of_object = P("$.n[0]").Assign(doc, J("1"));
  ASSERT_FALSE(index_of_object);

  auto wildcard = P("$.l[*]").Assign(doc, J("1"));
  ASSERT_FALSE(wildcard);
  // Nothing changed by the failed attempts.
  EXPECT_EQ(DumpJson(doc), R"({"n":1,"l":[1]})");
}

TEST(JsonPathTest, CopiesAndMovesKeepTheCompiledPath) {
  JsonPath original = P("$.a[?(@ > 1)]");
  JsonPath copy = original;
  JsonPath moved = std::move(original);
  EXPECT_EQ(DumpJson(*copy.Evaluate(J(R"({"a":[1,2,3]})"))), "[2,3]");
  EXPECT_EQ(DumpJson(*moved.Evaluate(J(R"({"a":[1,2,3]})"))), "[2,3]");
  copy = P("$.b");
  EXPECT_EQ(DumpJson(*copy.Evaluate(J(R"({"b":7})"))), "7");
}

}  // namespace
}  // namespace hpcflow::workflows
