// Filter expressions inside JSONPath brackets: `[?(@.price < 10 && @.tag)]`.
//
// Supported: operands `@...` (relative to the element), `$...` (the document
// root), numbers, 'strings', "strings", true, false, null; comparisons
// == != < <= > >=; `&&`, `||`, `!`, parentheses; a bare operand tests that
// the path exists (and is not false/null).
#ifndef HPCFLOW_WORKFLOWS_JSON_PATH_FILTER_H_
#define HPCFLOW_WORKFLOWS_JSON_PATH_FILTER_H_

#include <memory>
#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace hpcflow::workflows {

struct FilterExpr;

Result<std::shared_ptr<const FilterExpr>> ParseFilterExpr(std::string_view text);

bool EvaluateFilter(const FilterExpr& expr, const Json& element, const Json& root);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_JSON_PATH_FILTER_H_
