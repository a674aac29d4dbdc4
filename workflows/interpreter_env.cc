#include "workflows/interpreter_env.h"

#include <nlohmann/json.hpp>

namespace hpcflow::workflows {

const Json& Interpreter::Impl::Env::Context() const {
  if (context_) return *context_;
  const Scope& s = impl_.scope(sid_);
  const State& st = impl_.CurrentState(s);
  const ExecutionInfo& info = impl_.info();
  Json context = Json::object();
  context["Execution"] = {{"Id", info.id},
                          {"Input", impl_.execution_input()},
                          {"StartTime", FormatTimeMs(impl_.start_time())},
                          {"Name", info.name},
                          {"RoleArn", info.role_arn},
                          {"RedriveCount", 0}};
  context["StateMachine"] = {{"Id", info.state_machine_id}, {"Name", info.state_machine_name}};
  Json state = {{"Name", st.name}, {"EnteredTime", FormatTimeMs(s.entered_time)}};
  if (st.type == StateType::kTask) state["RetryCount"] = s.retry_count;
  context["State"] = std::move(state);
  if (task_token_) context["Task"] = {{"Token", *task_token_}};
  if (item_value_) {
    context["Map"] = {{"Item", {{"Index", item_index_}, {"Value", *item_value_}}}};
  }
  context_ = std::move(context);
  return *context_;
}

const Json* Interpreter::Impl::Env::Variable(std::string_view name) const {
  const std::string key(name);
  for (const VarFrame* frame = impl_.scope(sid_).vars.get(); frame; frame = frame->parent.get()) {
    if (!frame->values.is_object()) continue;
    auto it = frame->values.find(key);
    if (it != frame->values.end()) return &*it;
  }
  return nullptr;
}

}  // namespace hpcflow::workflows
