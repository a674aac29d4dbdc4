// JSONPath as AWS Step Functions accepts it.
//
// A path starts at one of three roots: `$` (the state's input), `$$` (the
// context object) or `$name` (a workflow variable). After the root come
// segments: `.field`, `['field']`, `[3]`, `[-1]`, `[*]`, `.*`, `[1:3]`,
// `[0,2]`, `..field` (deep scan) and `[?(@.x > 1)]` filters.
//
// A *definite* path (only fields and single indexes) names at most one value
// and is what ASL calls a Reference Path (required for ResultPath and
// Choice `Variable`). Other paths select a list of values.
//
// Parsing is separate from evaluation so a definition's paths are checked
// and compiled once, before anything runs.
#ifndef HPCFLOW_WORKFLOWS_JSON_PATH_H_
#define HPCFLOW_WORKFLOWS_JSON_PATH_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace hpcflow::workflows {

// Where a path's `$`, `$$` and `$name` roots point. Implemented by the
// interpreter; Context() may build the context object lazily.
class PathEnv {
 public:
  virtual ~PathEnv() = default;
  virtual const Json& Input() const = 0;
  virtual const Json& Context() const = 0;
  // The variable's value, or nullptr when no variable of that name is in scope.
  virtual const Json* Variable(std::string_view name) const = 0;
};

// A PathEnv over plain values, for tests and for evaluating outside a state.
class SimplePathEnv : public PathEnv {
 public:
  explicit SimplePathEnv(const Json& input, const Json* context = nullptr,
                         const Json* variables = nullptr)
      : input_(input), context_(context), variables_(variables) {}
  const Json& Input() const override { return input_; }
  const Json& Context() const override;
  const Json* Variable(std::string_view name) const override;

 private:
  const Json& input_;
  const Json* context_;
  const Json* variables_;  // an object: name -> value
};

struct PathSegment;  // defined in json_path.cc

class JsonPath {
 public:
  enum class Root { kInput, kContext, kVariable };

  // Parses `text`. The error (name "States.Runtime"-free, just a message in
  // `cause`) says what is wrong, e.g. "unterminated '[' at offset 4".
  static Result<JsonPath> Parse(std::string_view text);

  JsonPath(const JsonPath&);
  JsonPath(JsonPath&&) noexcept;
  JsonPath& operator=(const JsonPath&);
  JsonPath& operator=(JsonPath&&) noexcept;
  ~JsonPath();

  Root root() const { return root_; }
  // For Root::kVariable: the variable's name (without `$`).
  const std::string& variable_name() const { return variable_; }
  // True when the path names at most one value (a Reference Path).
  bool is_definite() const { return definite_; }
  // True for the bare root: `$`, `$$` or `$name`.
  bool is_root_only() const;
  // The text as written in the definition.
  const std::string& text() const { return text_; }
  // The normalised form AWS prints in errors: `$['a']['b'][0]`.
  std::string Canonical() const;

  // Looks the path up in `doc` (the root's value). For a definite path the
  // result is the one value, or nullopt when it does not exist. For other
  // paths it is an array of all matches (possibly empty), or nullopt when
  // AWS would report "no results" (e.g. a wildcard over a missing field).
  std::optional<Json> Evaluate(const Json& doc) const;

  // Definite paths only: a pointer into `doc`, or nullptr when absent.
  const Json* Find(const Json& doc) const;
  Json* FindMutable(Json& doc) const { return const_cast<Json*>(Find(doc)); }

  // Resolves against the root the env gives.
  std::optional<Json> Evaluate(const PathEnv& env) const;

  // Definite paths with Root::kInput only (ResultPath): stores `value` at the
  // path inside `doc`, creating objects for missing fields. Fails (with an
  // AWS-worded cause) when a step goes through a non-object or an index is
  // out of range.
  Status Assign(Json& doc, Json value) const;

 private:
  JsonPath() = default;

  Root root_ = Root::kInput;
  std::string variable_;
  std::string text_;
  bool definite_ = true;
  std::vector<PathSegment> segments_;
};

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_JSON_PATH_H_
