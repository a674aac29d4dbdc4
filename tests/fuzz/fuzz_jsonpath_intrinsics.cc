// libFuzzer target: JSONPath and intrinsic functions.
//
// Input format: the path or intrinsic call, a newline, then a JSON document
// (the rest of the input). When the rest is not valid JSON a fixed sample
// document is used instead, so every input still exercises evaluation. The
// document is the state input (`$`), the context object (`$$`) and, when it
// is an object, the variables (`$name` is its member `name`).
//
// The text is given to both parsers. Besides sanitizer reports, the harness
// aborts when
//  - an error message contains "[json.exception" (and the text does not): a
//    nlohmann exception that a
//    `catch (const std::exception&)` turned into an ordinary error, a bug
//    that did not crash only by luck;
//  - a successful JsonPath::Assign is not what Find then reads back;
//  - evaluating a call twice with equally seeded randomness differs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json.h"
#include "workflows/intrinsics.h"
#include "workflows/json_path.h"
#include "workflows/random_source.h"

namespace {

using namespace hpcflow;
using namespace hpcflow::workflows;

constexpr std::string_view kSampleDocument = R"({
  "a": 1, "b": "text", "c": [1, 2.5, "x", null, true, {"d": [3, 4]}],
  "obj": {"k": "v", "n": -7, "nested": {"deep": [[1], [2, [3]]]}},
  "items": [{"id": 1, "price": 10}, {"id": 2, "price": 25.5}, {"id": 3}],
  "str": "a,b,,c", "b64": "aGVsbG8=", "json": "{\"x\":[1,2]}", "empty": [],
  "Execution": {"Id": "arn:x", "Input": {}}, "State": {"Name": "S"}
})";

[[noreturn]] void Bug(const char* what, std::string_view text, std::string_view detail) {
  std::fprintf(stderr, "%s\n  text: %.*s\n  detail: %.*s\n", what, static_cast<int>(text.size()),
               text.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The whole fuzz input, for CheckMessage.
std::string_view g_input;

void CheckMessage(std::string_view text, const std::string& message) {
  // The fuzzer learns the marker from this very comparison and writes it
  // into inputs, where messages quote it back; only an unquoted one counts.
  if (message.find("[json.exception") != std::string::npos &&
      g_input.find("json.exception") == std::string_view::npos) {
    Bug("a nlohmann exception was caught and reported as an error", text, message);
  }
}

void FuzzPath(std::string_view text, const Json& doc, const PathEnv& env) {
  auto path = JsonPath::Parse(text);
  if (!path) {
    CheckMessage(text, path.error().cause);
    return;
  }
  (void)path->Canonical();
  (void)path->is_root_only();
  std::optional<Json> value = path->Evaluate(env);
  if (value) (void)DumpJson(*value);
  if (!path->is_definite()) return;

  const Json* found = path->Find(doc);
  std::optional<Json> evaluated = path->Evaluate(doc);
  if ((found == nullptr) != !evaluated || (found && *found != *evaluated)) {
    Bug("Find and Evaluate disagree on a definite path", text, DumpJson(doc));
  }
  if (path->root() != JsonPath::Root::kInput) return;
  Json copy = doc;
  const Json marker = {{"fuzz-marker", 42}};
  Status assigned = path->Assign(copy, marker);
  if (!assigned) {
    CheckMessage(text, assigned.error().cause);
    return;
  }
  const Json* back = path->Find(copy);
  if (!back || *back != marker) {
    Bug("Assign succeeded but Find does not read the value back", text, DumpJson(copy));
  }
}

void FuzzIntrinsic(std::string_view text, const PathEnv& env) {
  (void)LooksLikeIntrinsic(text);
  auto call = ParseIntrinsic(text);
  if (!call) {
    CheckMessage(text, call.error().cause);
    return;
  }
  const Intrinsic& intrinsic = **call;
  (void)IntrinsicFunctionName(intrinsic.function());
  SeededRandom random(0x5eed);
  Result<Json> first = EvaluateIntrinsic(intrinsic, env, &random);
  if (!first) {
    CheckMessage(text, first.error().cause);
  } else {
    (void)DumpJson(*first);
  }
  // Same seed, same result: the interpreter's replay depends on it.
  random.Seed(0x5eed);
  Result<Json> second = EvaluateIntrinsic(intrinsic, env, &random);
  bool same = first.has_value() == second.has_value() &&
              (first ? *first == *second : first.error() == second.error());
  if (!same) Bug("two evaluations with the same seed differ", text, "");
  // Calls that say they use no randomness must run without a source.
  if (!intrinsic.uses_randomness()) (void)EvaluateIntrinsic(intrinsic, env, nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  g_input = input;
  size_t newline = input.find('\n');
  std::string_view text = input.substr(0, newline);
  std::string_view rest =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  static const Json kSample = *ParseJson(kSampleDocument);
  Result<Json> parsed = ParseJson(rest);
  const Json& doc = parsed ? *parsed : kSample;
  SimplePathEnv env(doc, &doc, doc.is_object() ? &doc : nullptr);

  FuzzPath(text, doc, env);
  FuzzIntrinsic(text, env);
  return 0;
}
