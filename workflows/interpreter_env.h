// The PathEnv a state's paths and templates are evaluated in: `$` is the
// value at hand, `$$` the context object (built only when a path asks for
// it), `$name` the scope's variables.
#ifndef HPCFLOW_WORKFLOWS_INTERPRETER_ENV_H_
#define HPCFLOW_WORKFLOWS_INTERPRETER_ENV_H_

#include <optional>
#include <string>

#include "common/time_format.h"
#include "workflows/interpreter_impl.h"

namespace hpcflow::workflows {

class Interpreter::Impl::Env : public PathEnv {
 public:
  Env(Impl& impl, int sid, const Json& input) : impl_(impl), sid_(sid), input_(input) {}
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Inside a Map's ItemSelector: adds $$.Map.Item.
  void SetMapItem(int64_t index, const Json* value) {
    item_index_ = index;
    item_value_ = value;
  }
  // For .waitForTaskToken tasks: adds $$.Task.Token.
  void SetTaskToken(std::string token) { task_token_ = std::move(token); }

  const Json& Input() const override { return input_; }
  const Json& Context() const override;
  const Json* Variable(std::string_view name) const override;

 private:
  Impl& impl_;
  int sid_;
  const Json& input_;
  int64_t item_index_ = -1;
  const Json* item_value_ = nullptr;
  std::optional<std::string> task_token_;
  mutable std::optional<Json> context_;
  // True when context_ holds the execution input itself, moved out of the
  // interpreter rather than copied, and must give it back.
  mutable bool holds_execution_input_ = false;
};

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_INTERPRETER_ENV_H_
