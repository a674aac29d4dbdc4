// ASL intrinsic functions (States.Format, States.MathAdd, ...) as AWS Step
// Functions evaluates them.
//
// A call such as "States.Format('{} items', States.ArrayLength($.items))" is
// parsed once, when the definition is loaded, into an Intrinsic; evaluating
// it later reads its path arguments in place (no copy of the input, no
// reparsing). Arguments are literals ('string' with the escapes \' \{ \} \\,
// numbers, true, false, null), paths ($.x, $$.x, $var.x) and nested calls.
//
// Behaviour follows what AWS recorded (shared/conformance/cases) and what AWS
// was observed to do, including where it departs from the ASL spec or docs:
// States.MathAdd rounds each operand half-up (Java Math.round) and stays in
// 32-bit range; States.ArrayRange, States.ArrayPartition, States.ArrayGetItem
// and States.MathRandom truncate non-integer numbers; States.StringSplit
// splits on any of the delimiter characters and drops empty tokens;
// States.StringToJson of a blank string is null; States.Format prints objects
// Java-style ({a=1, b=[x, y]}); States.Base64Decode is lenient; States.Hash
// and States.Base64Encode/Decode limit their input to 10,000 characters;
// States.ArrayRange to 1,000 items. intrinsics_functions.cc documents each
// choice and where it comes from.
#ifndef HPCFLOW_WORKFLOWS_INTRINSICS_H_
#define HPCFLOW_WORKFLOWS_INTRINSICS_H_

#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"
#include "workflows/json_path.h"
#include "workflows/random_source.h"

namespace hpcflow::workflows {

enum class IntrinsicFunction {
  kFormat,
  kStringToJson,
  kJsonToString,
  kArray,
  kArrayPartition,
  kArrayContains,
  kArrayRange,
  kArrayGetItem,
  kArrayLength,
  kArrayUnique,
  kBase64Encode,
  kBase64Decode,
  kHash,
  kJsonMerge,
  kMathRandom,
  kMathAdd,
  kStringSplit,
  kUuid,
};

// "States.Format", ...
std::string_view IntrinsicFunctionName(IntrinsicFunction function);

struct IntrinsicNode;  // the parsed call tree, private to intrinsics_*.cc

// A parsed, validated intrinsic call. Immutable and safe to share between
// threads; obtained from ParseIntrinsic.
class Intrinsic {
 public:
  Intrinsic(std::string text, std::unique_ptr<const IntrinsicNode> root, bool uses_randomness);
  Intrinsic(const Intrinsic&) = delete;
  Intrinsic& operator=(const Intrinsic&) = delete;
  ~Intrinsic();

  // The outermost function.
  IntrinsicFunction function() const;
  // The call exactly as written; AWS quotes it in error causes.
  const std::string& text() const { return text_; }
  // True when evaluating may draw from the RandomSource (States.UUID, or
  // States.MathRandom without a seed, anywhere in the call tree).
  bool uses_randomness() const { return uses_randomness_; }

  const IntrinsicNode& root() const { return *root_; }

 private:
  std::string text_;
  std::unique_ptr<const IntrinsicNode> root_;
  bool uses_randomness_;
};

// True if a payload-template value (a "key.$" string) is an intrinsic call
// rather than a path: it starts with "States.".
bool LooksLikeIntrinsic(std::string_view text);

// Parses and checks a call: syntax, known function names (case-sensitive),
// argument counts, string escapes and the syntax of path arguments. On
// failure the Error's name is "parse" and its cause a message for
// `hpcflow validate`, e.g. "invalid intrinsic function call 'States.MathAdd(1)':
// States.MathAdd takes 2 arguments, got 1". Argument types and values are
// not checked here: like AWS, those fail when the call is evaluated.
Result<std::shared_ptr<const Intrinsic>> ParseIntrinsic(std::string_view text);

// Evaluates `call` against the input, context object and variables of `env`.
//
// `random` feeds States.UUID and unseeded States.MathRandom; it may be null
// when call.uses_randomness() is false. Pass the execution's SeededRandom so
// that replays give the same values.
//
// Fails with Error{"States.Runtime", cause} where cause reads like AWS's:
//   "The function 'States.MathAdd($.n, 1)' had the following error: <detail>"
// with <detail> one of
//   "The JsonPath argument for the field '$.n' could not be found in the
//    input '{...}'"                       (a path argument matched nothing;
//                                          $$ paths are named as '$.…')
//   "Invalid arguments in States.MathAdd" (wrong type or value)
//   and a few more specific texts for States.Format templates.
// The interpreter prefixes "An error occurred while executing the state ...".
// Never throws.
Result<Json> EvaluateIntrinsic(const Intrinsic& call, const PathEnv& env,
                               RandomSource* random = nullptr);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_INTRINSICS_H_
