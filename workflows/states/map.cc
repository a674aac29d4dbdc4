// Map: runs its ItemProcessor once per item of an array, at most
// MaxConcurrency at a time; the result is the array of the iterations'
// outputs, in item order.
//
// Iterations are started one at a time from the work stack (depth-first), so
// a Map over a million Pass items holds one live iteration, not a million.
#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "workflows/interpreter_env.h"
#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

namespace {
// Above this many items, a Map's iterations are recorded as counts only.
constexpr size_t kMaxItemsWithHistory = 10'000;
}  // namespace

void ParseMapFields(StateParser& p, State& s) {
  const Json* processor = p.Get("ItemProcessor");
  const Json* iterator = p.Get("Iterator");
  if (processor && iterator) {
    p.Error("Iterator", "only one of ItemProcessor and Iterator may be set");
  } else if (!processor && !iterator) {
    p.diags().Add(p.pointer(), "a Map state needs ItemProcessor (or the older Iterator)");
  } else {
    const char* key = processor ? "ItemProcessor" : "Iterator";
    const Json& body = processor ? *processor : *iterator;
    s.processor = ParseStateMachine(body, p.PointerOf(key), p.diags(), p.depth() + 1);
    if (body.is_object()) {
      auto config = body.find("ProcessorConfig");
      if (config != body.end()) {
        std::string ptr = PointerAppend(p.PointerOf(key), "ProcessorConfig");
        if (!config->is_object()) {
          p.diags().Add(ptr, "ProcessorConfig must be an object");
        } else {
          for (auto it = config->begin(); it != config->end(); ++it) {
            const std::string& k = it.key();
            bool ok = it->is_string();
            std::string v = ok ? it->get<std::string>() : "";
            if (k == "Mode") {
              ok = ok && (v == "INLINE" || v == "DISTRIBUTED");
              s.distributed = v == "DISTRIBUTED";
            } else if (k == "ExecutionType") {
              ok = ok && (v == "STANDARD" || v == "EXPRESS");
              s.express_items = v == "EXPRESS";
            } else {
              p.diags().Add(PointerAppend(ptr, k), "field '" + k +
                                                       "' is not allowed in "
                                                       "ProcessorConfig");
              continue;
            }
            if (!ok) p.diags().Add(PointerAppend(ptr, k), "invalid " + k + " '" + v + "'");
          }
        }
      }
    }
  }
  if (p.Get("ItemsPath")) s.items_path = p.Path("ItemsPath", true);
  if (p.Get("ItemSelector") && p.Get("Parameters")) {
    p.Error("Parameters", "only one of ItemSelector and Parameters may be set");
  } else if (p.Get("ItemSelector")) {
    s.parameters = p.Template("ItemSelector");
  } else if (p.Get("Parameters")) {
    s.parameters = p.Template("Parameters");
  }
  s.max_concurrency = p.NumberOrPathPair("MaxConcurrency", 0, 99999999, true);
  s.tolerated_failure_count = p.NumberOrPathPair("ToleratedFailureCount", 0, 99999999, true);
  s.tolerated_failure_percentage = p.NumberOrPathPair("ToleratedFailurePercentage", 0, 100, false);
  if (auto label = p.String("Label")) {
    if (label->size() > 40) p.Error("Label", "Label must be at most 40 characters");
    s.label = *label;
  }
  for (const char* key : {"ItemReader", "ResultWriter", "ItemBatcher"}) {
    if (p.Get(key)) p.Error(key, std::string(key) + " is not supported yet");
  }
}

namespace {

// Reads a number given through a *Path field; AWS also accepts a string
// holding an integer.
std::optional<double> NumberFromValue(const Json& value, bool integer_only) {
  if (value.is_number_integer()) return value.get<double>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (integer_only && std::floor(d) != d) return std::nullopt;
    return d;
  }
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (integer_only) {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
      return static_cast<double>(n);
    }
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

}  // namespace

Step Interpreter::Impl::RunMap(int sid) {
  const State& st = CurrentState(scope(sid));
  // When nothing needs the state's input after the Map (no InputPath or
  // ItemSelector, ResultPath replaces the input, no Retry or Catch to run it
  // again), the Map takes the input instead of copying it: big item arrays
  // are then never copied.
  bool own_input = !st.input_path.is_null && !st.input_path.path && !st.parameters &&
                   !st.result_path.discard &&
                   (!st.result_path.path || st.result_path.path->is_root_only()) &&
                   st.retry.empty() && st.catchers.empty();
  Result<Json> effective =
      own_input ? Result<Json>(std::move(scope(sid).input)) : EffectiveInput(sid, false);
  if (!effective) return FailState(sid, RuntimeError(sid, effective.error().cause));

  // Resolves MaxConcurrency / ToleratedFailure* (literal or Path).
  auto number = [&](const NumberOrPath& field, const char* path_name, const char* name,
                    bool integer_only, double& out) -> std::optional<AslError> {
    if (field.value) {
      out = *field.value;
      return std::nullopt;
    }
    if (!field.path) return std::nullopt;
    Env env(*this, sid, *effective);
    auto value = ResolveFieldPath(*field.path, env);
    if (!value) return RuntimeError(sid, value.error().cause);
    auto n = NumberFromValue(*value, integer_only);
    if (!n) {
      std::string shown = value->is_string() ? value->get<std::string>() : DumpJson(*value);
      return RuntimeError(sid, std::string("The ") + path_name + " field refers to value \"" +
                                   shown + "\" which is not a valid " +
                                   (integer_only ? "integer" : "number") + ": " +
                                   field.path->text());
    }
    if (*n < 0) return RuntimeError(sid, std::string(name) + " cannot be negative.");
    out = *n;
    return std::nullopt;
  };
  double max_concurrency = 0, tolerated_count = -1, tolerated_percentage = -1;
  if (auto e = number(st.max_concurrency, "MaxConcurrencyPath", "MaxConcurrency", true,
                      max_concurrency)) {
    return FailState(sid, *e);
  }
  if (auto e = number(st.tolerated_failure_count, "ToleratedFailureCountPath",
                      "ToleratedFailureCount", true, tolerated_count)) {
    return FailState(sid, *e);
  }
  if (auto e = number(st.tolerated_failure_percentage, "ToleratedFailurePercentagePath",
                      "ToleratedFailurePercentage", false, tolerated_percentage)) {
    return FailState(sid, *e);
  }
  if (tolerated_percentage > 100) {
    return FailState(sid, RuntimeError(sid,
                                       "ToleratedFailurePercentage must be between 0 and "
                                       "100."));
  }

  Json items;
  Json* owned_items = own_input && st.items_path && !st.items_path->is_root_only() &&
                              st.items_path->root() == JsonPath::Root::kInput
                          ? st.items_path->FindMutable(*effective)
                          : nullptr;
  if (owned_items) {
    items = std::move(*owned_items);
  } else if (st.items_path && !st.items_path->is_root_only()) {
    Env env(*this, sid, *effective);
    auto value = ResolveFieldPath(*st.items_path, env);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    items = std::move(*value);
  } else if (st.items_path && st.items_path->root() != JsonPath::Root::kInput) {
    Env env(*this, sid, *effective);
    auto value = ResolveFieldPath(*st.items_path, env);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    items = std::move(*value);
  } else {
    items = st.parameters ? *effective : std::move(*effective);
  }
  if (!items.is_array()) {
    return FailState(
        sid, RuntimeError(sid, "Item path " + (st.items_path ? st.items_path->text() : "$") +
                                   " evaluated to a " + items.type_name() +
                                   ", but an array was expected"));
  }

  Scope& s = scope(sid);
  int rid = NewRun();
  Run& r = run(rid);
  r.is_map = true;
  r.owner = sid;
  r.owner_generation = s.generation;
  r.machine = st.processor.get();
  r.total = items.size();
  r.items = std::move(items);
  if (st.parameters) r.selector_input = std::move(*effective);
  // A *Path may give any number (1e300); casting one beyond the target's
  // range is undefined, and anything above 1e15 means "no limit" anyway.
  constexpr double kNoLimit = 1e15;
  r.max_concurrency = static_cast<size_t>(std::min(max_concurrency, kNoLimit));
  if (r.max_concurrency != 0 && HostThrottles(*st.processor)) {
    // All items start now; the host keeps MaxConcurrency (as an array's %N).
    r.throttle_group = next_throttle_group_++;
    r.throttle_limit = r.max_concurrency;
    r.max_concurrency = 0;
  }
  r.has_tolerance = tolerated_count >= 0 || tolerated_percentage >= 0;
  r.tolerated_count = static_cast<int64_t>(std::min(tolerated_count, kNoLimit));
  r.tolerated_percentage = tolerated_percentage;
  r.results = Json::array();
  r.results.get_ref<Json::array_t&>().resize(r.total);
  s.child_run = rid;
  Emit("MapStateStarted", st.name);
  if (r.total == 0) {
    PushRunDone(rid);
  } else {
    PushFill(rid);
  }
  return Step::kBlocked;
}

void Interpreter::Impl::FillMap(int rid) {
  Run& r = run(rid);
  if (r.failure || r.next >= r.total) return;
  if (r.max_concurrency != 0 && r.active >= r.max_concurrency) return;
  size_t index = r.next++;
  int owner = r.owner;
  const State& st = CurrentState(scope(owner));
  Json item_input;
  if (st.parameters) {
    Env env(*this, owner, r.selector_input);
    env.SetMapItem(static_cast<int64_t>(index), &r.items[index]);
    auto value = st.parameters->Evaluate(env, random());
    if (!value) {
      r.failure = RuntimeError(owner, value.error().cause);
      CancelRun(rid);
      PushRunDone(rid);
      return;
    }
    item_input = std::move(*value);
    r.items[index] = Json();  // no longer needed: keep memory flat
  } else {
    item_input = std::move(r.items[index]);
  }
  UseScope(owner);
  auto vars = std::make_shared<VarFrame>();
  vars->parent = scope(owner).vars;
  int child =
      NewScope(rid, static_cast<int64_t>(index), r.machine, std::move(item_input), std::move(vars));
  scope(child).map_item_index = static_cast<int64_t>(index);
  // Iterations keep no per-step history when the processor is EXPRESS, in
  // DISTRIBUTED mode (as on AWS, where they are child executions), or when
  // the Map is large: a million items must not mean a million histories.
  r.quiet_items =
      scope(owner).quiet || st.express_items || st.distributed || r.total > kMaxItemsWithHistory;
  scope(child).quiet = r.quiet_items;
  AddChild(rid, child);
  quiet_ = r.quiet_items;
  Emit("MapIterationStarted", st.name);
  // Depth-first: run this iteration, then come back for the next one.
  PushFill(rid);
  PushAdvance(child);
}

void Interpreter::Impl::OnMapItemDone(int rid, int sid, bool ok, Json output,
                                      std::optional<AslError> error) {
  Run& r = run(rid);
  size_t slot = static_cast<size_t>(scope(sid).slot);
  RemoveChild(rid, sid);
  FreeScope(sid);
  ++r.finished;
  const State& st = CurrentState(scope(r.owner));
  quiet_ = r.quiet_items;
  if (ok) {
    Emit("MapIterationSucceeded", st.name);
    r.results[slot] = std::move(output);
  } else {
    Emit("MapIterationFailed", st.name);
    ++r.failed;
    bool tolerated = false;
    if (r.has_tolerance) {
      bool count_ok = r.tolerated_count < 0 || static_cast<int64_t>(r.failed) <= r.tolerated_count;
      bool percentage_ok = r.tolerated_percentage < 0 ||
                           100.0 * static_cast<double>(r.failed) / static_cast<double>(r.total) <=
                               r.tolerated_percentage;
      tolerated = count_ok && percentage_ok;
    }
    if (tolerated) {
      Json error_output = {{"Error", error->name}};
      if (error->cause) error_output["Cause"] = *error->cause;
      r.results[slot] = std::move(error_output);
    } else {
      r.failure = r.has_tolerance
                      ? AslError{"States.ExceedToleratedFailureThreshold",
                                 "The specified tolerated failure threshold was exceeded"}
                      : std::move(*error);
      UseScope(r.owner);
      CancelRun(rid);
      PushRunDone(rid);
      return;
    }
  }
  UseScope(r.owner);
  if (r.finished == r.total) {
    PushRunDone(rid);
  } else {
    PushFill(rid);
  }
}

bool Interpreter::Impl::HostThrottles(const StateMachine& machine) const {
  // One Task, where the item starts; the other states (a Catch's Pass or
  // Fail, a Choice) start no work of their own, so the host's throttle on
  // that Task is the Map's MaxConcurrency.
  if (!options_.host_throttles || machine.states.empty()) return false;
  const State& start = machine.states[static_cast<size_t>(machine.start)];
  if (start.type != StateType::kTask) return false;
  for (const State& state : machine.states) {
    if (&state == &start) continue;
    if (state.type == StateType::kTask || state.type == StateType::kMap ||
        state.type == StateType::kParallel) {
      return false;
    }
  }
  return options_.host_throttles(start.resource);
}

}  // namespace hpcflow::workflows
