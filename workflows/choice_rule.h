// Choice rules of a JSONPath-mode Choice state, compiled once and evaluated
// without copying the state's input.
//
// A rule is either a comparison (`Variable` plus exactly one of the 39
// comparison operators: BooleanEquals, Numeric*, String*, StringMatches,
// Timestamp*, their *Path forms, IsBoolean/IsNull/IsNumeric/IsPresent/
// IsString/IsTimestamp) or a combination (`And`/`Or`: non-empty arrays,
// `Not`: one rule). A top-level rule (an element of `Choices`) also carries
// `Next` and optionally `Assign`; nested rules must not.
//
// Semantics follow what AWS Step Functions recorded (conformance corpus,
// cases/choice): a comparison whose Variable value (or *Path operand value)
// has the wrong JSON type is false, never an error (NumericEquals against "42"
// is false); numbers compare by value regardless of integer/float form; an
// unparsable timestamp compares false; Is* operators honour a `false`
// operand (IsNull: false is true for 0). And/Or short-circuit left to right.
#ifndef HPCFLOW_WORKFLOWS_CHOICE_RULE_H_
#define HPCFLOW_WORKFLOWS_CHOICE_RULE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "workflows/diagnostics.h"
#include "workflows/json_path.h"

namespace hpcflow::workflows {

struct ChoiceNode;  // the compiled rule tree, defined in choice_rule.cc

// One compiled rule. Immutable after parsing; safe to evaluate concurrently.
class ChoiceRule {
 public:
  ChoiceRule(std::unique_ptr<ChoiceNode> root, std::string next, std::unique_ptr<Json> assign);
  ChoiceRule(const ChoiceRule&) = delete;
  ChoiceRule& operator=(const ChoiceRule&) = delete;
  ~ChoiceRule();

  // Top-level rules: the state to go to when the rule matches. Empty for a
  // rule parsed with top_level = false.
  const std::string& next() const { return next_; }
  // Top-level rules: the rule's `Assign` object exactly as written (the
  // interpreter evaluates it when the rule matches), or nullptr when absent.
  const Json* assign() const { return assign_.get(); }
  // Every path the rule reads (Variables and *Path operands), in document
  // order, e.g. to check that `$var` references are assigned somewhere.
  std::vector<const JsonPath*> Paths() const;

  const ChoiceNode& root() const { return *root_; }  // for EvaluateChoiceRule

 private:
  std::unique_ptr<ChoiceNode> root_;
  std::string next_;
  std::unique_ptr<Json> assign_;
};

// Compiles the rule object `rule`, found at JSON Pointer `pointer` (e.g.
// "/States/Check/Choices/0"). `top_level` is true for elements of `Choices`
// (Next required, Assign allowed) and false inside And/Or/Not. Reports every
// problem to `diags` with the pointer of the offending field (unknown or
// misspelt operator, missing or extra comparison, missing Variable, operand
// of the wrong type, unparsable path or timestamp, Next/Assign at a nested
// level, empty And/Or, ...) and returns nullptr when there was any.
// Never throws.
std::unique_ptr<ChoiceRule> ParseChoiceRule(const Json& rule, const std::string& pointer,
                                            bool top_level, Diagnostics& diags);

// Evaluates `rule` against the roots `env` provides. Fails with
// Error{"States.Runtime", "Invalid path '<path>': The choice state's condition
// path references an invalid value."} (AWS's wording; the interpreter prefixes
// "An error occurred while executing the state ...") when the Variable of a
// comparison other than IsPresent, or a *Path operand, does not resolve.
Result<bool> EvaluateChoiceRule(const ChoiceRule& rule, const PathEnv& env);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_CHOICE_RULE_H_
