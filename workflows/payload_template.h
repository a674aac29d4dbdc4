// Payload templates: Parameters, ResultSelector, ItemSelector and Assign.
//
// A template is a JSON value in which object keys ending in ".$" take their
// value from a path (`$.x`, `$$.x`, `$var.x`) or an intrinsic function call.
// Templates are compiled once when the definition is parsed; evaluating one
// builds the output value without reparsing anything.
#ifndef HPCFLOW_WORKFLOWS_PAYLOAD_TEMPLATE_H_
#define HPCFLOW_WORKFLOWS_PAYLOAD_TEMPLATE_H_

#include <memory>
#include <string>

#include "common/json.h"
#include "common/result.h"
#include "workflows/diagnostics.h"
#include "workflows/json_path.h"

namespace hpcflow::workflows {

class RandomSource;
struct TemplateNode;

class PayloadTemplate {
 public:
  // Compiles `value` found at JSON Pointer `pointer`. Problems (a ".$" value
  // that is not a string, a bad path or intrinsic call) go to `diags`.
  static std::shared_ptr<const PayloadTemplate> Compile(const Json& value,
                                                        const std::string& pointer,
                                                        Diagnostics& diags);

  // Builds the payload. A path that matches nothing fails with
  // States.Runtime and AWS's wording ("The JSONPath '$.x' specified for the
  // field 'x.$' could not be found in the input '...'").
  Result<Json> Evaluate(const PathEnv& env, RandomSource* random) const;

  // True when the template has no ".$" keys: Evaluate always gives the same value.
  bool is_constant() const;

  ~PayloadTemplate();

 private:
  PayloadTemplate() = default;
  std::unique_ptr<TemplateNode> root_;
};

// Resolves a path found in a state field (e.g. InputPath) with AWS's error
// wording: "Invalid path '$.x' : No results for path: $['x']".
Result<Json> ResolveFieldPath(const JsonPath& path, const PathEnv& env);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_PAYLOAD_TEMPLATE_H_
