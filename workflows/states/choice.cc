// Choice: picks the next state by the first rule that matches its input.
#include <nlohmann/json.hpp>

#include "workflows/choice_rule.h"
#include "workflows/interpreter_env.h"
#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

void ParseChoiceFields(StateParser& p, State& s, PendingNext& pending) {
  const Json* choices = p.Get("Choices");
  if (!choices || !choices->is_array() || choices->empty()) {
    if (choices) {
      p.Error("Choices", "Choices must be a non-empty array of rules");
    } else {
      p.diags().Add(p.pointer(), "a Choice state needs Choices");
    }
    return;
  }
  s.choices.reserve(choices->size());
  for (size_t i = 0; i < choices->size(); ++i) {
    std::string ptr = PointerAppend(p.PointerOf("Choices"), i);
    auto rule = ParseChoiceRule((*choices)[i], ptr, true, p.diags());
    if (!rule) continue;
    ChoiceBranch branch;
    if (const Json* assign = rule->assign()) {
      branch.assign = PayloadTemplate::Compile(*assign, PointerAppend(ptr, "Assign"), p.diags());
    }
    std::string next = rule->next();
    branch.rule = std::move(rule);
    s.choices.push_back(std::move(branch));
    pending.push_back({PointerAppend(ptr, "Next"), next, &s.choices.back().next});
  }
  if (auto name = p.String("Default")) {
    pending.push_back({p.PointerOf("Default"), *name, &s.default_next});
  }
}

Step Interpreter::Impl::RunChoice(int sid) {
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  Json effective;
  if (!st.input_path.is_null && !st.input_path.path) {
    effective = std::move(s.input);
  } else {
    auto value = EffectiveInput(sid, false);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    effective = std::move(*value);
  }
  Env env(*this, sid, effective);
  for (const ChoiceBranch& branch : st.choices) {
    auto matched = EvaluateChoiceRule(*branch.rule, env);
    if (!matched) return FailState(sid, RuntimeError(sid, matched.error().cause));
    if (*matched) {
      return CompleteWithoutResult(sid, std::move(effective), branch.next,
                                   branch.assign ? branch.assign.get() : st.assign.get());
    }
  }
  if (st.default_next >= 0) {
    return CompleteWithoutResult(sid, std::move(effective), st.default_next, st.assign.get());
  }
  return FailState(sid, AslError{"States.NoChoiceMatched",
                                 "No Choice Rule matched and no Default was specified for the "
                                 "state '" +
                                     st.name + "'."});
}

}  // namespace hpcflow::workflows
