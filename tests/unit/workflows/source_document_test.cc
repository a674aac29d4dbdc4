#include "workflows/source_document.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hpcflow::workflows {
namespace {

constexpr const char* kJsonDefinition = R"({
  "Comment": "Two states",
  "StartAt": "Hello",
  "States": {
    "Hello": {
      "Type": "Pass",
      "Parameters": {"a.$": "$.x", "list": [1, -2, 3.5, true, null, "s"]},
      "Next": "World"
    },
    "World": {
      "Type": "Succeed"
    }
  }
}
)";

constexpr const char* kYamlDefinition = R"(# A comment
Comment: Two states
StartAt: Hello
States:
  Hello:
    Type: Pass
    Parameters: {"a.$": "$.x", list: [1, -2, 3.5, true, null, s]}
    Next: World
  World:
    Type: Succeed
)";

SourceDocument MustParse(std::string_view text, std::string name) {
  Result<SourceDocument> document = SourceDocument::Parse(text, name);
  if (!document) {
    ADD_FAILURE() << "parse failed: " << document.error().cause;
    return std::move(*SourceDocument::Parse("{}", "empty.json"));
  }
  return std::move(*document);
}

// The error message of a parse that must fail.
std::string ParseError(std::string_view text, std::string name) {
  Result<SourceDocument> document = SourceDocument::Parse(text, name);
  if (document) {
    ADD_FAILURE() << "parse of " << name << " succeeded: " << document->root().dump();
    return "";
  }
  EXPECT_EQ(document.error().name, "parse");
  return document.error().cause;
}

Json JsonOf(std::string_view text) { return Json::parse(text); }

std::string Loc(const SourceDocument& document, std::string_view pointer) {
  SourceLocation where = document.Locate(pointer);
  return std::to_string(where.line) + ":" + std::to_string(where.column);
}

TEST(SourceDocumentTest, JsonAndYamlGiveTheSameValue) {
  SourceDocument json = MustParse(kJsonDefinition, "wf.json");
  SourceDocument yaml = MustParse(kYamlDefinition, "wf.yaml");
  EXPECT_EQ(json.root(), yaml.root());
  EXPECT_EQ(json.root().dump(), yaml.root().dump());
  // Keys keep their order and their exact spelling.
  EXPECT_EQ(yaml.root().dump(),
            R"({"Comment":"Two states","StartAt":"Hello","States":{"Hello":{"Type":"Pass",)"
            R"("Parameters":{"a.$":"$.x","list":[1,-2,3.5,true,null,"s"]},"Next":"World"},)"
            R"("World":{"Type":"Succeed"}}})");
  EXPECT_EQ(json.name(), "wf.json");
}

TEST(SourceDocumentTest, LocatesJsonKeysAndValues) {
  SourceDocument document = MustParse(kJsonDefinition, "wf.json");
  EXPECT_EQ(Loc(document, ""), "1:1");
  EXPECT_EQ(Loc(document, "/StartAt"), "3:3");
  EXPECT_EQ(Loc(document, "/States/Hello"), "5:5");
  EXPECT_EQ(Loc(document, "/States/Hello/Next"), "8:7");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/a.$"), "7:22");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/0"), "7:45");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/2"), "7:52");
  EXPECT_EQ(Loc(document, "/States/World/Type"), "11:7");
  EXPECT_EQ(document.Where("/States/World/Type"), "wf.json:11:7: ");
}

TEST(SourceDocumentTest, LocatesYamlKeysAndValues) {
  SourceDocument document = MustParse(kYamlDefinition, "wf.yaml");
  EXPECT_EQ(Loc(document, ""), "2:1");
  EXPECT_EQ(Loc(document, "/StartAt"), "3:1");
  EXPECT_EQ(Loc(document, "/States/Hello"), "5:3");
  EXPECT_EQ(Loc(document, "/States/Hello/Next"), "8:5");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/a.$"), "7:18");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/0"), "7:39");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/2"), "7:46");
  EXPECT_EQ(Loc(document, "/States/World/Type"), "10:5");
  EXPECT_EQ(document.Where("/States/World/Type"), "wf.yaml:10:5: ");
}

TEST(SourceDocumentTest, LocateFallsBackToTheNearestAncestor) {
  SourceDocument document = MustParse(kJsonDefinition, "wf.json");
  EXPECT_EQ(Loc(document, "/States/Hello/Missing"), "5:5");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/9"), "7:36");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/01"), "7:36");
  EXPECT_EQ(Loc(document, "/States/Hello/Parameters/list/-"), "7:36");
  EXPECT_EQ(Loc(document, "/States/Hello/Next/deeper"), "8:7");
  EXPECT_EQ(Loc(document, "no-slash"), "1:1");
  EXPECT_EQ(Loc(document, "/States/Bad~2escape"), "4:3");
}

TEST(SourceDocumentTest, PointerTokensAreUnescaped) {
  SourceDocument json = MustParse(R"({"a/b": {"m~n": 1}, "\u00e9\n": 2})", "x.json");
  EXPECT_EQ(Loc(json, "/a~1b/m~0n"), "1:10");
  EXPECT_EQ(Loc(json, "/\xC3\xA9\n"), "1:21");
  SourceDocument yaml = MustParse("a/b:\n  m~n: 1\n", "x.yaml");
  EXPECT_EQ(Loc(yaml, "/a~1b/m~0n"), "2:3");
}

// Every value must be found exactly, not through an ancestor: an object's
// members and an array's elements are never written where their parent is
// (except a YAML block mapping, which starts at its first key; only the root
// has no key of its own).
void ExpectEveryPointerLocated(const SourceDocument& document, bool block_root) {
  Json flat = document.root().flatten();
  for (const auto& [pointer, leaf] : flat.items()) {
    for (std::string p = pointer; !p.empty(); p = p.substr(0, p.rfind('/'))) {
      std::string parent = p.substr(0, p.rfind('/'));
      if (block_root && parent.empty()) continue;
      EXPECT_NE(Loc(document, p), Loc(document, parent)) << document.name() << " " << p;
      EXPECT_NE(document.Locate(p).line, 0) << document.name() << " " << p;
    }
  }
}

TEST(SourceDocumentTest, LocatesEveryValue) {
  const char* kJson = R"({"a": [[], {}, [1, [2, {"b": "c"}]], "x\"y", -1.5e3],
    "k\\e\/y": {"\ud83d\ude00": true, "": null, "~/": {"z": false}},
    "ws"  :   [ 1 ,2
    ,3 ]})";
  ExpectEveryPointerLocated(MustParse(kJson, "every.json"), false);
  const char* kYaml =
      "a:\n"
      "  - []\n"
      "  - {}\n"
      "  - [1, [2, {b: c}]]\n"
      "  - 'x\"y'\n"
      "  - -1.5e3\n"
      "k\\e/y:\n"
      "  \"\\U0001F600\": true\n"
      "  \"\": null\n"
      "  ~/: {z: false}\n"
      "ws:\r\n"
      "\t\r\n"
      "  - 1\r\n"
      "  -\n"
      "    - 2\n"
      "  - ? q\n"
      "    : r\n";
  SourceDocument yaml = MustParse(kYaml, "every.yaml");
  ExpectEveryPointerLocated(yaml, true);
  EXPECT_EQ(Loc(yaml, "/ws/1/0"), "15:7");
  EXPECT_EQ(Loc(yaml, "/ws/2/q"), "16:7");
}

TEST(SourceDocumentTest, LocateStillWorksAfterTakeRoot) {
  SourceDocument document = MustParse(kJsonDefinition, "wf.json");
  Json root = document.TakeRoot();
  EXPECT_EQ(root["StartAt"], "Hello");
  EXPECT_EQ(Loc(document, "/States/Hello/Next"), "8:7");
}

TEST(SourceDocumentTest, ChoosesTheFormatByNameThenContent) {
  EXPECT_EQ(MustParse("{\"a\": 1}", "definition").root(), JsonOf(R"({"a":1})"));
  EXPECT_EQ(MustParse("a: 1", "definition").root(), JsonOf(R"({"a":1})"));
  EXPECT_EQ(MustParse("a: 1", "X.YML").root(), JsonOf(R"({"a":1})"));
  // JSON rules apply to .json files even if the text would be valid YAML.
  EXPECT_NE(ParseError("a: 1", "x.json"), "");
  // A YAML file holding plain JSON, and flow YAML that is not JSON.
  SourceDocument json_in_yaml = MustParse(kJsonDefinition, "wf.yaml");
  EXPECT_EQ(json_in_yaml.root(), JsonOf(kJsonDefinition));
  EXPECT_EQ(Loc(json_in_yaml, "/States/Hello/Next"), "8:7");
  EXPECT_EQ(MustParse("{a: [b, 'c']}", "x.yaml").root(), JsonOf(R"({"a":["b","c"]})"));
}

TEST(SourceDocumentTest, SkipsAByteOrderMark) {
  EXPECT_EQ(MustParse("\xEF\xBB\xBF{\"a\": 1}", "x.json").root(), JsonOf(R"({"a":1})"));
  EXPECT_EQ(MustParse("\xEF\xBB\xBF"
                      "a: 1",
                      "x.yaml")
                .root(),
            JsonOf(R"({"a":1})"));
}

TEST(SourceDocumentTest, MalformedJsonIsLocated) {
  EXPECT_EQ(ParseError("{\n  \"a\": 1,\n  \"b\": tru\n}", "bad.json"),
            "bad.json:3:11: syntax error while parsing value - invalid literal; last read: "
            "'\"b\": tru<U+000A>'");
  EXPECT_EQ(ParseError("{\"a\": 1", "bad.json"),
            "bad.json:1:8: syntax error while parsing object - unexpected end of input; "
            "expected '}'");
  EXPECT_EQ(ParseError("", "bad.json").rfind("bad.json:1:1: syntax error", 0), 0u);
}

TEST(SourceDocumentTest, MalformedYamlIsLocated) {
  std::string error = ParseError("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml");
  EXPECT_EQ(error.rfind("bad.yaml:", 0), 0u) << error;
  EXPECT_NE(error.find("end of sequence flow"), std::string::npos) << error;
  error = ParseError("a:\n  b: 1\n c: 2\n", "bad.yaml");
  EXPECT_EQ(error.rfind("bad.yaml:3:", 0), 0u) << error;
  error = ParseError("a: *nothing\n", "bad.yaml");
  EXPECT_EQ(error.rfind("bad.yaml:1:4: ", 0), 0u) << error;
  EXPECT_NE(error.find("anchor is not defined"), std::string::npos) << error;
}

TEST(SourceDocumentTest, DuplicateKeysAreErrorsNamingBothPlaces) {
  EXPECT_EQ(ParseError("{\"States\": {\n  \"A\": {},\n  \"B\": {},\n  \"A\": 1}}", "d.json"),
            "d.json:4:3: /States/A: duplicate key \"A\" (first defined at line 2, column 3)");
  EXPECT_EQ(ParseError("States:\n  A: {}\n  B: {}\n  A: 1\n", "d.yaml"),
            "d.yaml:4:3: /States/A: duplicate key \"A\" (first defined at line 2, column 3)");
  EXPECT_EQ(ParseError("[{\"x\": 1, \"x\\u0020\": 2, \"x\": 3}]", "d.json"),
            "d.json:1:25: /0/x: duplicate key \"x\" (first defined at line 1, column 3)");
  EXPECT_EQ(ParseError("{a: 1, 'a': 2}", "d.yaml"),
            "d.yaml:1:8: /a: duplicate key \"a\" (first defined at line 1, column 2)");
  // Large objects take the hashed path.
  std::string json = "{", yaml;
  for (int i = 0; i < 100; ++i) {
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
    // `"literal" + std::to_string(i)`.
    const std::string n = std::to_string(i);
    json.append("\"k").append(n).append("\": ").append(n).append(",\n");
    yaml.append("k").append(n).append(": ").append(n).append("\n");
  }
  json += "\"k42\": 0}";
  yaml += "k42: 0\n";
  EXPECT_EQ(ParseError(json, "d.json"),
            "d.json:101:1: /k42: duplicate key \"k42\" (first defined at line 43, column 1)");
  EXPECT_EQ(ParseError(yaml, "d.yaml"),
            "d.yaml:101:1: /k42: duplicate key \"k42\" (first defined at line 43, column 1)");
}

TEST(SourceDocumentTest, DeepNestingIsAnErrorNotACrash) {
  const std::string kTooDeep = "nesting deeper than 256 levels";
  const std::string brackets(1'000'000, '[');
  EXPECT_EQ(ParseError(brackets, "deep.json"), "deep.json:1:257: " + kTooDeep);
  EXPECT_EQ(ParseError(brackets, "deep.yaml"), "deep.yaml:1:257: " + kTooDeep);
  EXPECT_EQ(ParseError(brackets, "deep"), "deep:1:257: " + kTooDeep);
  std::string objects;
  for (int i = 0; i < 1'000'000; ++i) objects += "{\"a\":";
  EXPECT_EQ(ParseError(objects, "deep.json"), "deep.json:1:1281: " + kTooDeep);
  std::string flow_maps;
  for (int i = 0; i < 1'000'000; ++i) flow_maps += "{a: ";
  EXPECT_EQ(ParseError(flow_maps, "deep.yaml"), "deep.yaml:1:1025: " + kTooDeep);
  std::string newlines;
  for (int i = 0; i < 1'000'000; ++i) newlines += "[\n";
  EXPECT_EQ(ParseError(newlines, "deep.yaml"), "deep.yaml:257:1: " + kTooDeep);

  // Block nesting, which the flow pre-check does not see.
  std::string dashes;
  for (int i = 0; i < 1'000'000; ++i) dashes += "- ";
  dashes += "x\n";
  EXPECT_EQ(ParseError(dashes, "deep.yaml"), "deep.yaml:1:513: " + kTooDeep);
  std::string keys = "? ";
  for (int i = 0; i < 1'000'000; ++i) keys += "? ";
  EXPECT_NE(ParseError(keys, "deep.yaml"), "");
  std::string indented;
  for (int i = 0; i < 300; ++i) indented += std::string(i, ' ') + "a:\n";
  EXPECT_EQ(ParseError(indented, "deep.yaml"), "deep.yaml:257:257: " + kTooDeep);
}

TEST(SourceDocumentTest, NestingUpToTheLimitIsFine) {
  std::string json = std::string(kMaxNestingDepth, '[') + std::string(kMaxNestingDepth, ']');
  EXPECT_TRUE(SourceDocument::Parse(json, "x.json").has_value());
  EXPECT_TRUE(SourceDocument::Parse(json, "x.yaml").has_value());
  std::string yaml;
  for (int i = 0; i < kMaxNestingDepth; ++i) yaml += "- ";
  yaml += "[]\n";
  EXPECT_FALSE(SourceDocument::Parse(yaml, "x.yaml").has_value());
  yaml = yaml.substr(2);
  EXPECT_TRUE(SourceDocument::Parse(yaml, "x.yaml").has_value());
}

TEST(SourceDocumentTest, AliasesAreExpanded) {
  SourceDocument document = MustParse(
      "retry: &retry\n"
      "  - ErrorEquals: [States.ALL]\n"
      "    MaxAttempts: 3\n"
      "States:\n"
      "  A: {Retry: *retry, Name: &name Foo}\n"
      "  B: {Retry: *retry, Other: *name}\n"
      "  *name : key from alias\n",
      "a.yaml");
  Json retry = JsonOf(R"([{"ErrorEquals":["States.ALL"],"MaxAttempts":3}])");
  EXPECT_EQ(document.root()["States"]["A"]["Retry"], retry);
  EXPECT_EQ(document.root()["States"]["B"]["Retry"], retry);
  EXPECT_EQ(document.root()["States"]["B"]["Other"], "Foo");
  EXPECT_EQ(document.root()["States"]["Foo"], "key from alias");
  // Inside an alias, locations fall back to the member holding the alias.
  EXPECT_EQ(Loc(document, "/States/B/Retry/0/MaxAttempts"), "6:7");
  EXPECT_EQ(Loc(document, "/retry/0/MaxAttempts"), "3:5");
}

TEST(SourceDocumentTest, AliasesSurviveTheirParentsGrowing) {
  // The anchored values' parents keep growing (and reallocating) after the
  // anchors are complete.
  std::string yaml = "base:\n  first: &m {k: [1, {deep: &s [x, y]}]}\n";
  for (int i = 0; i < 100; ++i)
    yaml += "  key" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  yaml += "list:\n  - &l [a, b]\n";
  for (int i = 0; i < 100; ++i) yaml += "  - " + std::to_string(i) + "\n";
  yaml += "uses: [*m, *s, *l]\n";
  SourceDocument document = MustParse(yaml, "grow.yaml");
  EXPECT_EQ(document.root()["uses"],
            JsonOf(R"([{"k":[1,{"deep":["x","y"]}]},["x","y"],["a","b"]])"));
}

TEST(SourceDocumentTest, YamlEscapesGiveUtf8) {
  // yaml-cpp 0.7 decodes these two escapes to bare Latin-1 bytes.
  SourceDocument document = MustParse("a: \"x\\_y\\Nz\"\nb: \"\\x41\\u00e9\\0\"\n", "e.yaml");
  EXPECT_EQ(document.root()["a"], "x\xC2\xA0y\xC2\x85z");
  EXPECT_EQ(document.root()["b"], std::string("A\xC3\xA9\0", 4));
  EXPECT_NO_THROW(document.root().dump());  // throws on invalid UTF-8
}

TEST(SourceDocumentTest, AliasBombsAreRejected) {
  std::string bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  std::string error = ParseError(bomb, "bomb.yaml");
  EXPECT_NE(error.find("alias bomb"), std::string::npos) << error;
  EXPECT_EQ(error.rfind("bomb.yaml:", 0), 0u) << error;

  // Few nodes but long strings.
  std::string big = "a: &a \"" + std::string(1 << 20, 'x') + "\"\nb: [";
  for (int i = 0; i < 100; ++i) big += "*a, ";
  big += "*a]\n";
  error = ParseError(big, "bomb.yaml");
  EXPECT_NE(error.find("alias bomb"), std::string::npos) << error;

  // An alias cannot refer to a node that contains it.
  error = ParseError("a: &a [1, *a]\n", "loop.yaml");
  EXPECT_NE(error.find("recursive alias"), std::string::npos) << error;
}

TEST(SourceDocumentTest, AliasesCannotNestTooDeep) {
  std::string yaml = "a: &a " + std::string(200, '[') + std::string(200, ']') + "\n";
  yaml += "b: &b " + std::string(60, '[') + "*a" + std::string(60, ']') + "\n";
  std::string error = ParseError(yaml, "x.yaml");
  EXPECT_NE(error.find("nesting deeper than 256 levels"), std::string::npos) << error;
}

TEST(SourceDocumentTest, InvalidUtf8IsRejected) {
  EXPECT_EQ(ParseError("{\"a\": \"\xFF\"}", "u.json"), "u.json:1:8: invalid UTF-8 (byte 0xFF)");
  EXPECT_EQ(ParseError("a: 1\nb: x\xC3\n", "u.yaml"), "u.yaml:2:5: invalid UTF-8 (byte 0xC3)");
  EXPECT_EQ(ParseError("a: \xC0\xAF\n", "u.yaml"), "u.yaml:1:4: invalid UTF-8 (byte 0xC0)");
  EXPECT_EQ(ParseError("a: \xED\xA0\x80\n", "u.yaml"), "u.yaml:1:4: invalid UTF-8 (byte 0xED)");
  EXPECT_EQ(ParseError("a: \xF4\x90\x80\x80\n", "u.yaml"), "u.yaml:1:4: invalid UTF-8 (byte 0xF4)");
  EXPECT_EQ(ParseError(std::string_view("{\0}", 3), "u.json"),
            "u.json:1:2: NUL byte in the text; definitions must be UTF-8 text");
  // Valid multi-byte text is fine.
  EXPECT_EQ(MustParse("a: \"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"\n", "u.yaml").root()["a"],
            "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(SourceDocumentTest, YamlScalarsFollowTheCoreSchema) {
  SourceDocument document = MustParse(
      "int: 42\n"
      "neg: -17\n"
      "plus: +5\n"
      "float: 2.5\n"
      "exp: 1e3\n"
      "dot: .5\n"
      "hex: 0x1F\n"
      "oct: 0o17\n"
      "big: 123456789012345678901234567890\n"
      "tiny: 1e-400\n"
      "max: 18446744073709551615\n"
      "min: -9223372036854775808\n"
      "yes: yes\n"
      "no: no\n"
      "on: on\n"
      "t: true\n"
      "T: True\n"
      "f: FALSE\n"
      "quoted_true: \"true\"\n"
      "quoted_num: '12'\n"
      "tilde: ~\n"
      "null_word: null\n"
      "empty:\n"
      "version: 1.2.3\n"
      "time: 12:30\n"
      "str_tag: !!str 123\n"
      "int_tag: !!int \"7\"\n"
      "float_tag: !!float 2\n"
      "literal: |\n"
      "  line one\n"
      "  line two\n"
      "folded: >-\n"
      "  a\n"
      "  b\n",
      "s.yaml");
  const Json& root = document.root();
  EXPECT_EQ(root["int"], 42);
  EXPECT_TRUE(root["int"].is_number_unsigned());
  EXPECT_EQ(root["neg"], -17);
  EXPECT_EQ(root["plus"], 5);
  EXPECT_EQ(root["float"], 2.5);
  EXPECT_EQ(root["exp"], 1000.0);
  EXPECT_TRUE(root["exp"].is_number_float());
  EXPECT_EQ(root["dot"], 0.5);
  EXPECT_EQ(root["hex"], 31);
  EXPECT_EQ(root["oct"], 15);
  EXPECT_TRUE(root["big"].is_number_float());
  EXPECT_DOUBLE_EQ(root["big"].get<double>(), 1.2345678901234568e29);
  EXPECT_EQ(root["tiny"], 0.0);
  EXPECT_EQ(root["max"], UINT64_MAX);
  EXPECT_EQ(root["min"], INT64_MIN);
  EXPECT_EQ(root["yes"], "yes");
  EXPECT_EQ(root["no"], "no");
  EXPECT_EQ(root["on"], "on");
  EXPECT_EQ(root["t"], true);
  EXPECT_EQ(root["T"], true);
  EXPECT_EQ(root["f"], false);
  EXPECT_EQ(root["quoted_true"], "true");
  EXPECT_EQ(root["quoted_num"], "12");
  EXPECT_TRUE(root["tilde"].is_null());
  EXPECT_TRUE(root["null_word"].is_null());
  EXPECT_TRUE(root["empty"].is_null());
  EXPECT_EQ(root["version"], "1.2.3");
  EXPECT_EQ(root["time"], "12:30");
  EXPECT_EQ(root["str_tag"], "123");
  EXPECT_EQ(root["int_tag"], 7);
  EXPECT_EQ(root["float_tag"], 2.0);
  EXPECT_TRUE(root["float_tag"].is_number_float());
  EXPECT_EQ(root["literal"], "line one\nline two\n");
  EXPECT_EQ(root["folded"], "a b");
}

TEST(SourceDocumentTest, YamlNumbersMatchJsonNumbers) {
  const char* kJson = R"({"a": 1, "b": -1, "c": 1.5, "d": 1e2, "e": 18446744073709551616,
                          "f": 0, "g": -0})";
  EXPECT_EQ(
      MustParse(kJson, "n.json").root().dump(),
      MustParse("{a: 1, b: -1, c: 1.5, d: 1e2, e: 18446744073709551616, f: 0, g: -0}", "n.yaml")
          .root()
          .dump());
}

TEST(SourceDocumentTest, NumbersJsonCannotHoldAreErrors) {
  EXPECT_EQ(ParseError("{\n\"a\": 1e400}", "n.json"), "n.json:2:6: number out of range: 1e400");
  EXPECT_EQ(ParseError("a:\n  b: [1, -1e400]\n", "n.yaml"),
            "n.yaml:2:10: /a/b/1: number out of range: -1e400");
  EXPECT_EQ(ParseError("a: .inf\n", "n.yaml"), "n.yaml:1:4: /a: '.inf': JSON cannot hold infinity");
  EXPECT_EQ(ParseError("a: -.Inf\n", "n.yaml"),
            "n.yaml:1:4: /a: '-.Inf': JSON cannot hold infinity");
  EXPECT_EQ(ParseError("a: .NaN\n", "n.yaml"), "n.yaml:1:4: /a: '.NaN': JSON cannot hold NaN");
  EXPECT_EQ(ParseError("a: 0x10000000000000000\n", "n.yaml"),
            "n.yaml:1:4: /a: number out of range: 0x10000000000000000");
  // Quoted, they are just strings.
  EXPECT_EQ(MustParse("a: '.inf'\n", "n.yaml").root()["a"], ".inf");
}

TEST(SourceDocumentTest, UnsupportedYamlIsRejected) {
  std::string error = ParseError("a: 1\n---\nb: 2\n", "m.yaml");
  EXPECT_EQ(error, "m.yaml:2:1: a second YAML document; a definition file holds exactly one");
  EXPECT_EQ(ParseError("", "e.yaml"), "e.yaml: empty YAML document");
  EXPECT_EQ(ParseError("# only a comment\n", "e.yaml"), "e.yaml: empty YAML document");
  EXPECT_EQ(ParseError("? [a, b]\n: c\n", "k.yaml"),
            "k.yaml:1:3: mapping key is a sequence; keys must be scalars");
  EXPECT_EQ(ParseError("x:\n  ? {a: b}\n  : c\n", "k.yaml"),
            "k.yaml:2:5: /x: mapping key is a mapping; keys must be scalars");
  EXPECT_EQ(ParseError("a: !Ref b\n", "t.yaml"), "t.yaml:1:4: /a: unsupported YAML tag '!Ref'");
  EXPECT_EQ(ParseError("a: !!int x\n", "t.yaml"), "t.yaml:1:4: /a: 'x' is not a valid !!int");
  EXPECT_EQ(ParseError("a: !!binary aGVsbG8=\n", "t.yaml"),
            "t.yaml:1:4: /a: unsupported YAML tag '!!binary' on a scalar");
  EXPECT_EQ(ParseError("a: !!set {x}\n", "t.yaml"),
            "t.yaml:1:4: /a: unsupported YAML tag 'tag:yaml.org,2002:set' on a mapping");
}

TEST(SourceDocumentTest, YamlKeysAreTakenAsWritten) {
  SourceDocument document = MustParse("1: a\ntrue: b\n~: c\n\"q\": d\n", "k.yaml");
  EXPECT_EQ(document.root(), JsonOf(R"({"1":"a","true":"b","~":"c","q":"d"})"));
}

TEST(SourceDocumentTest, BigObjectsLoadInLinearTime) {
  std::string json = "{";
  std::string yaml;
  for (int i = 0; i < 50'000; ++i) {
    if (i) json += ",";
    json += "\"key" + std::to_string(i) + "\":" + std::to_string(i);
    yaml += "key" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  }
  json += "}";
  auto start = std::chrono::steady_clock::now();
  SourceDocument from_json = MustParse(json, "big.json");
  SourceDocument from_yaml = MustParse(yaml, "big.yaml");
  EXPECT_EQ(from_json.root().size(), 50'000u);
  EXPECT_EQ(from_json.root(), from_yaml.root());
  EXPECT_EQ(Loc(from_json, "/key49999"), "1:" + std::to_string(json.size() - 16));
  EXPECT_EQ(Loc(from_yaml, "/key49999"), "50000:1");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

TEST(SourceDocumentTest, LargeJsonLoadsQuickly) {
  // About 3 MB of nested objects and arrays (kept small for Debug builds;
  // an optimised build loads and indexes 50 MB in a few seconds).
  std::string json = "{\"items\": [";
  for (int i = 0; i < 20'000; ++i) {
    if (i) json += ",\n";
    json += R"({"id": )" + std::to_string(i) +
            R"(, "name": "item \"quoted\" \u00e9", "tags": ["a", "b", "c"], "ratio": 0.25,)"
            R"( "nested": {"ok": true, "none": null, "list": [1, 2, 3]}})";
  }
  json += "]}";
  auto start = std::chrono::steady_clock::now();
  SourceDocument document = MustParse(json, "big.json");
  EXPECT_EQ(document.root()["items"].size(), 20'000u);
  std::size_t last_line = json.rfind('\n') + 1;
  std::size_t three = json.rfind("3]}}");
  EXPECT_EQ(Loc(document, "/items/19999/nested/list/2"),
            "20000:" + std::to_string(three - last_line + 1));
  EXPECT_EQ(Loc(document, "/items/5/name"), "6:11");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

}  // namespace
}  // namespace hpcflow::workflows
