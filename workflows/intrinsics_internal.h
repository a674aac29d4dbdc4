// Internals shared by intrinsics_parser.cc, intrinsics.cc and
// intrinsics_functions.cc. Not part of the public API.
#ifndef HPCFLOW_WORKFLOWS_INTRINSICS_INTERNAL_H_
#define HPCFLOW_WORKFLOWS_INTRINSICS_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/result.h"
#include "workflows/intrinsics.h"
#include "workflows/json_path.h"
#include "workflows/random_source.h"

namespace hpcflow::workflows {

// Deeper nesting is refused at parse time so that evaluation, which
// recurses, cannot exhaust the stack. AWS documents a limit of 10 nested
// calls per field but was not seen enforcing it, so ours is generous.
inline constexpr int kMaxIntrinsicDepth = 64;

// A States.Format template split at its `{}` placeholders: pieces.size() is
// the number of placeholders plus one. `error` is set (and pieces empty) when
// the template is malformed; that is reported when the call is evaluated.
struct FormatTemplate {
  std::vector<std::string> pieces;
  std::string error;
};

// `raw` is template text in which \' \{ \} \\ are escapes; any other
// backslash is kept as it is (the parser already refused those in literals,
// so this only matters for templates read from the input).
FormatTemplate ParseFormatTemplate(std::string_view raw);

struct IntrinsicNode;

struct IntrinsicArg {
  enum class Kind { kLiteral, kPath, kCall };
  Kind kind = Kind::kLiteral;
  Json literal;                         // kLiteral: string, number, boolean or null
  std::optional<JsonPath> path;         // kPath
  std::string path_name;                // kPath: the path as AWS names it in errors
  std::unique_ptr<IntrinsicNode> call;  // kCall
};

struct IntrinsicNode {
  IntrinsicFunction function = IntrinsicFunction::kArray;
  std::vector<IntrinsicArg> args;
  // States.Format whose template is a string literal: split once at parse time.
  std::optional<FormatTemplate> literal_template;
};

// The value of an argument or call: either a reference into the input (or
// into a literal of the call tree), or a value the evaluation built.
class Value {
 public:
  static Value Ref(const Json& json) {
    Value v;
    v.ref_ = &json;
    return v;
  }
  static Value Own(Json json) {
    Value v;
    v.owned_.emplace(std::move(json));
    return v;
  }
  const Json& get() const { return ref_ ? *ref_ : *owned_; }
  // True when get() points outside this Value (so it outlives it).
  bool is_ref() const { return ref_ != nullptr; }
  Json Take() && { return ref_ ? *ref_ : std::move(*owned_); }

 private:
  // A reference is the hot path ($.count): it must not construct, move or
  // destroy any Json, hence the optional.
  const Json* ref_ = nullptr;
  std::optional<Json> owned_;
};

struct EvalContext {
  const PathEnv& env;
  RandomSource* random;
};

// Failure detail (the part after "had the following error: ").
inline Unexpected<Error> Detail(std::string detail) {
  return Fail("States.Runtime", std::move(detail));
}
Unexpected<Error> InvalidArguments(IntrinsicFunction function);

Result<Value> EvaluateArg(const IntrinsicArg& arg, EvalContext& ctx);
Result<Value> EvaluateNode(const IntrinsicNode& node, EvalContext& ctx);

// One function's body; the arity was checked by the parser.
Result<Value> CallFunction(const IntrinsicNode& node, EvalContext& ctx);

// --- Helpers shared by the function bodies -------------------------------

// How a non-integer number becomes an integer.
enum class IntegerConversion {
  kRoundHalfUp,  // Java Math.round: 1.5 -> 2, -1.5 -> -1, -2.5 -> -2
  kTruncate,     // Java (int) cast: 2.6 -> 2, -0.6 -> 0
};
// The number as a 32-bit integer, or nullopt when `value` is not a number or
// the converted value is outside [-2^31, 2^31 - 1].
std::optional<int64_t> ToInt32(const Json& value, IntegerConversion conversion);

// Length of a UTF-8 string in UTF-16 code units (Java's String.length()),
// which is what AWS's 10,000-character limits count.
size_t Utf16Length(std::string_view utf8);

// Decodes the next code point of `s` at `*pos`, advancing `*pos`. A byte that
// does not start a well-formed sequence yields 0xFFFD and advances by one.
uint32_t NextCodePoint(std::string_view s, size_t* pos);

// `bytes` with every ill-formed UTF-8 sequence replaced by U+FFFD (one per
// maximal ill-formed subpart, as Java's decoder does).
std::string SanitizeUtf8(std::string_view bytes);

// A value as States.Format prints it: strings bare, objects {k=v, ...},
// arrays [a, b], everything else as JSON.
void AppendFormatted(const Json& value, std::string& out);

// Compact JSON that never throws (invalid UTF-8 is replaced).
std::string Dump(const Json& value);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_INTRINSICS_INTERNAL_H_
