#include "workflows/interpreter_env.h"

#include <nlohmann/json.hpp>

namespace hpcflow::workflows {

// The execution input can be large (a Map over a million items) and a Map's
// ItemSelector builds a context object for every item, so the input is moved
// into the context object and back rather than copied each time. An Env
// created while another one holds it (nested evaluation) copies it.
Interpreter::Impl::Env::~Env() {
  if (!holds_execution_input_) return;
  impl_.execution_input_.swap((*context_)["Execution"]["Input"]);
  impl_.execution_input_lent_to_ = nullptr;
}

const Json& Interpreter::Impl::Env::Context() const {
  if (context_) return *context_;
  const Scope& s = impl_.scope(sid_);
  const State& st = impl_.CurrentState(s);
  const ExecutionInfo& info = impl_.info();
  Json context = Json::object();
  Json& execution = context["Execution"];
  execution["Id"] = info.id;
  execution["Input"] = nullptr;  // filled in below, once context_ is in place
  execution["StartTime"] = FormatTimeMs(impl_.start_time());
  execution["Name"] = info.name;
  execution["RoleArn"] = info.role_arn;
  execution["RedriveCount"] = impl_.redrive_count();
  if (impl_.redrive_count() > 0) execution["RedriveTime"] = FormatTimeMs(impl_.redrive_time());
  context["StateMachine"] = {{"Id", info.state_machine_id}, {"Name", info.state_machine_name}};
  Json state = {{"Name", st.name}, {"EnteredTime", FormatTimeMs(s.entered_time)}};
  if (st.type == StateType::kTask) state["RetryCount"] = s.retry_count;
  context["State"] = std::move(state);
  if (task_token_) context["Task"] = {{"Token", *task_token_}};
  if (item_value_) {
    context["Map"] = {{"Item", {{"Index", item_index_}, {"Value", *item_value_}}}};
  }
  context_ = std::move(context);
  Json& input = (*context_)["Execution"]["Input"];
  if (impl_.execution_input_lent_to_) {
    input = *impl_.execution_input_lent_to_;
  } else {
    input.swap(impl_.execution_input_);
    impl_.execution_input_lent_to_ = &input;
    holds_execution_input_ = true;
  }
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
