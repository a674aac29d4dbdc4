// Pass: passes its input (or a fixed Result) to its output.
#include <nlohmann/json.hpp>

#include "workflows/interpreter_impl.h"
#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

void ParsePassFields(StateParser& p, State& s) {
  if (const Json* result = p.Get("Result")) s.result = *result;
}

Step Interpreter::Impl::RunPass(int sid) {
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  // Fast path: nothing reshapes the input and the result replaces it, so
  // the input can be moved through without a copy.
  bool plain_input = !st.input_path.is_null && !st.input_path.path && !st.parameters;
  bool replaces_input =
      !st.result_path.discard && (!st.result_path.path || st.result_path.path->is_root_only());
  Json result;
  if (st.result) {
    result = *st.result;
  } else if (plain_input && replaces_input) {
    result = std::move(s.input);
  } else {
    auto effective = EffectiveInput(sid, true);
    if (!effective) return FailState(sid, RuntimeError(sid, effective.error().cause));
    result = std::move(*effective);
  }
  return Complete(sid, std::move(result), false);
}

}  // namespace hpcflow::workflows
