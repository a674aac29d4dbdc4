// Parallel: runs every branch on the same input; the result is the array of
// the branches' outputs, in branch order. The first branch to fail fails
// the state with its own error and cancels the others.
#include <nlohmann/json.hpp>

#include "workflows/interpreter_impl.h"
#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

void ParseParallelFields(StateParser& p, State& s) {
  const Json* branches = p.Get("Branches");
  if (!branches || !branches->is_array() || branches->empty()) {
    if (branches) {
      p.Error("Branches", "Branches must be a non-empty array of state machines");
    } else {
      p.diags().Add(p.pointer(), "a Parallel state needs Branches");
    }
    return;
  }
  for (size_t i = 0; i < branches->size(); ++i) {
    auto machine = ParseStateMachine((*branches)[i], PointerAppend(p.PointerOf("Branches"), i),
                                     p.diags(), p.depth() + 1);
    if (machine) s.branches.push_back(std::move(machine));
  }
}

Step Interpreter::Impl::RunParallel(int sid) {
  auto input = EffectiveInput(sid, true);
  if (!input) return FailState(sid, RuntimeError(sid, input.error().cause));
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  int rid = NewRun();
  Run& r = run(rid);
  r.is_map = false;
  r.owner = sid;
  r.owner_generation = s.generation;
  r.total = st.branches.size();
  r.results = Json::array();
  r.results.get_ref<Json::array_t&>().resize(r.total);
  s.child_run = rid;
  Emit("ParallelStateStarted", st.name);
  // Pushed in reverse so that branch 0 runs first.
  for (size_t i = st.branches.size(); i-- > 0;) {
    auto vars = std::make_shared<VarFrame>();
    vars->parent = s.vars;
    Json branch_input = i == 0 ? std::move(*input) : *input;
    int child = NewScope(rid, static_cast<int64_t>(i), st.branches[i].get(),
                         std::move(branch_input), std::move(vars));
    scope(child).quiet = scope(sid).quiet;
    AddChild(rid, child);
    PushAdvance(child);
  }
  return Step::kBlocked;
}

void Interpreter::Impl::OnParallelBranchDone(int rid, int sid, bool ok, Json output,
                                             std::optional<AslError> error) {
  Run& r = run(rid);
  int64_t slot = scope(sid).slot;
  RemoveChild(rid, sid);
  FreeScope(sid);
  UseScope(r.owner);
  ++r.finished;
  if (ok) {
    r.results[slot] = std::move(output);
    if (r.finished == r.total) PushRunDone(rid);
    return;
  }
  r.failure = std::move(error);
  CancelRun(rid);
  PushRunDone(rid);
}

}  // namespace hpcflow::workflows
