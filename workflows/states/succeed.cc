// Succeed: ends its state machine (or branch, or Map iteration) successfully.
#include <nlohmann/json.hpp>

#include "workflows/interpreter_impl.h"

namespace hpcflow::workflows {

Step Interpreter::Impl::RunSucceed(int sid) {
  auto effective = EffectiveInput(sid, false);
  if (!effective) return FailState(sid, RuntimeError(sid, effective.error().cause));
  return CompleteWithoutResult(sid, std::move(*effective), -1, nullptr);
}

}  // namespace hpcflow::workflows
