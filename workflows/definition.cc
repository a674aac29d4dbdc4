#include "workflows/definition.h"

#include <cmath>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

namespace {

// Nested Parallel/Map machines beyond this depth are refused: they would
// make parsing and running recurse without bound.
constexpr int kMaxMachineDepth = 64;

// Fields each state type accepts (besides Type and Comment).
const std::set<std::string>& AllowedFields(StateType type) {
  static const std::set<std::string> kPass = {"Next",       "End",    "InputPath",  "OutputPath",
                                              "ResultPath", "Result", "Parameters", "Assign"};
  static const std::set<std::string> kTask = {"Next",
                                              "End",
                                              "InputPath",
                                              "OutputPath",
                                              "ResultPath",
                                              "Parameters",
                                              "ResultSelector",
                                              "Retry",
                                              "Catch",
                                              "Resource",
                                              "TimeoutSeconds",
                                              "TimeoutSecondsPath",
                                              "HeartbeatSeconds",
                                              "HeartbeatSecondsPath",
                                              "Credentials",
                                              "Assign"};
  static const std::set<std::string> kChoice = {"Choices", "Default", "InputPath", "OutputPath",
                                                "Assign"};
  static const std::set<std::string> kWait = {"Next",       "End",           "InputPath",
                                              "OutputPath", "Seconds",       "SecondsPath",
                                              "Timestamp",  "TimestampPath", "Assign"};
  static const std::set<std::string> kSucceed = {"InputPath", "OutputPath"};
  static const std::set<std::string> kFail = {"Error", "ErrorPath", "Cause", "CausePath"};
  static const std::set<std::string> kParallel = {
      "Branches",   "Next",           "End",   "InputPath", "OutputPath", "ResultPath",
      "Parameters", "ResultSelector", "Retry", "Catch",     "Assign"};
  static const std::set<std::string> kMap = {"Iterator",
                                             "ItemProcessor",
                                             "ItemsPath",
                                             "ItemSelector",
                                             "Parameters",
                                             "ItemReader",
                                             "ResultWriter",
                                             "ItemBatcher",
                                             "MaxConcurrency",
                                             "MaxConcurrencyPath",
                                             "ToleratedFailureCount",
                                             "ToleratedFailureCountPath",
                                             "ToleratedFailurePercentage",
                                             "ToleratedFailurePercentagePath",
                                             "Label",
                                             "Next",
                                             "End",
                                             "InputPath",
                                             "OutputPath",
                                             "ResultPath",
                                             "ResultSelector",
                                             "Retry",
                                             "Catch",
                                             "Assign"};
  switch (type) {
    case StateType::kPass:
      return kPass;
    case StateType::kTask:
      return kTask;
    case StateType::kChoice:
      return kChoice;
    case StateType::kWait:
      return kWait;
    case StateType::kSucceed:
      return kSucceed;
    case StateType::kFail:
      return kFail;
    case StateType::kParallel:
      return kParallel;
    case StateType::kMap:
      return kMap;
  }
  return kPass;
}

std::optional<StateType> ParseStateType(const std::string& name) {
  static const std::pair<const char*, StateType> kTypes[] = {
      {"Pass", StateType::kPass},         {"Task", StateType::kTask},
      {"Choice", StateType::kChoice},     {"Wait", StateType::kWait},
      {"Succeed", StateType::kSucceed},   {"Fail", StateType::kFail},
      {"Parallel", StateType::kParallel}, {"Map", StateType::kMap}};
  for (const auto& [text, type] : kTypes) {
    if (name == text) return type;
  }
  return std::nullopt;
}

bool IsTerminalType(StateType type) {
  return type == StateType::kChoice || type == StateType::kSucceed || type == StateType::kFail;
}

IoPath ParseIoPath(StateParser& p, const std::string& key) {
  IoPath io;
  const Json* v = p.Get(key);
  if (!v) return io;
  if (v->is_null()) {
    io.is_null = true;
    return io;
  }
  io.path = p.Path(key, false);
  return io;
}

void ParseState(const std::string& name, const Json& fields, const std::string& pointer,
                Diagnostics& diags, int depth, State& state, PendingNext& pending) {
  state.name = name;
  if (!fields.is_object()) {
    diags.Add(pointer, "a state must be an object");
    return;
  }
  StateParser p(fields, pointer, diags, depth);
  auto type_name = p.String("Type");
  if (!type_name) {
    if (!p.Get("Type")) diags.Add(pointer, "state '" + name + "' has no Type");
    return;
  }
  auto type = ParseStateType(*type_name);
  if (!type) {
    p.Error("Type", "unknown state type '" + *type_name +
                        "' (expected Pass, Task, Choice, Wait, Succeed, Fail, Parallel or Map)");
    return;
  }
  state.type = *type;
  const auto& allowed = AllowedFields(state.type);
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const std::string& key = it.key();
    if (key == "Type" || key == "Comment") continue;
    if (key == "QueryLanguage") {
      if (it->is_string() && it->get_ref<const std::string&>() == "JSONPath") continue;
      p.Error(key, "QueryLanguage JSONata is not supported yet (only JSONPath)");
      continue;
    }
    if (!allowed.count(key)) {
      p.Error(key, "field '" + key + "' is not allowed in a " + *type_name + " state");
    }
  }

  // Transitions.
  if (!IsTerminalType(state.type)) {
    const Json* next = p.Get("Next");
    const Json* end = p.Get("End");
    if (end && !end->is_boolean()) p.Error("End", "End must be a boolean");
    bool is_end = end && end->is_boolean() && end->get<bool>();
    if (next && is_end) {
      diags.Add(pointer, "state '" + name + "' has both Next and End: true");
    } else if (!next && !is_end) {
      diags.Add(pointer, "state '" + name + "' needs Next or End: true");
    }
    state.end = is_end;
    if (next) {
      if (next->is_string()) {
        pending.push_back({p.PointerOf("Next"), next->get<std::string>(), &state.next});
      } else {
        p.Error("Next", "Next must be a state name (a string)");
      }
    }
  }

  state.input_path = ParseIoPath(p, "InputPath");
  state.output_path = ParseIoPath(p, "OutputPath");
  if (p.Get("ResultPath")) state.result_path = p.ResultPath("ResultPath");
  if (p.Get("Parameters") && state.type != StateType::kMap) {
    state.parameters = p.Template("Parameters");
  }
  if (p.Get("ResultSelector")) {
    if (!p.Get("ResultSelector")->is_object()) {
      p.Error("ResultSelector", "ResultSelector must be an object");
    } else {
      state.result_selector = p.Template("ResultSelector");
    }
  }
  if (p.Get("Assign")) {
    if (!p.Get("Assign")->is_object()) {
      p.Error("Assign", "Assign must be an object");
    } else {
      state.assign = p.Template("Assign");
    }
  }
  if (p.Get("Retry")) p.ParseRetry(state);
  if (p.Get("Catch")) p.ParseCatch(state, pending);

  switch (state.type) {
    case StateType::kPass:
      ParsePassFields(p, state);
      break;
    case StateType::kTask:
      ParseTaskFields(p, state);
      break;
    case StateType::kChoice:
      ParseChoiceFields(p, state, pending);
      break;
    case StateType::kWait:
      ParseWaitFields(p, state);
      break;
    case StateType::kSucceed:
      break;
    case StateType::kFail:
      ParseFailFields(p, state);
      break;
    case StateType::kParallel:
      ParseParallelFields(p, state);
      break;
    case StateType::kMap:
      ParseMapFields(p, state);
      break;
  }
}

// Every state must be reachable from StartAt.
void CheckReachability(const StateMachine& machine, const std::string& states_pointer,
                       Diagnostics& diags) {
  std::vector<bool> seen(machine.states.size(), false);
  std::vector<int> stack{machine.start};
  while (!stack.empty()) {
    int i = stack.back();
    stack.pop_back();
    if (i < 0 || static_cast<size_t>(i) >= seen.size() || seen[i]) continue;
    seen[i] = true;
    const State& s = machine.states[i];
    stack.push_back(s.next);
    stack.push_back(s.default_next);
    for (const auto& c : s.choices) stack.push_back(c.next);
    for (const auto& c : s.catchers) stack.push_back(c.next);
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      diags.Add(PointerAppend(states_pointer, machine.states[i].name),
                "state '" + machine.states[i].name + "' is not reachable from StartAt");
    }
  }
}

// AWS requires state names to be unique in the whole definition, nested
// Parallel branches and Map processors included (DUPLICATE_STATE_NAME). The
// loader already rejects duplicate keys within one States object, so this
// walks the nested machines of the raw document. It is bounded by
// kMaxMachineDepth like ParseStateMachine (deeper machines are reported there).
void CheckUniqueStateNames(const Json& document, Diagnostics& diags) {
  struct Pending {
    const Json* machine;
    std::string pointer;
    int depth;
  };
  std::unordered_map<std::string, std::string> first_seen;  // name -> pointer
  std::vector<Pending> stack{{&document, "", 0}};
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    if (cur.depth > kMaxMachineDepth || !cur.machine->is_object()) continue;
    auto states = cur.machine->find("States");
    if (states == cur.machine->end() || !states->is_object()) continue;
    std::string states_pointer = PointerAppend(cur.pointer, "States");
    std::vector<Pending> nested;  // pushed in reverse to report in document order
    for (auto it = states->begin(); it != states->end(); ++it) {
      std::string pointer = PointerAppend(states_pointer, it.key());
      auto [seen, inserted] = first_seen.emplace(it.key(), pointer);
      if (!inserted) {
        diags.Add(pointer, "duplicate state name '" + it.key() + "' (also at " + seen->second +
                               "); state names must be unique in the whole workflow");
      }
      if (!it->is_object()) continue;
      if (auto branches = it->find("Branches"); branches != it->end() && branches->is_array()) {
        for (size_t i = 0; i < branches->size(); ++i) {
          nested.push_back({&(*branches)[i], PointerAppend(PointerAppend(pointer, "Branches"), i),
                            cur.depth + 1});
        }
      }
      for (const char* key : {"ItemProcessor", "Iterator"}) {
        if (auto body = it->find(key); body != it->end()) {
          nested.push_back({&*body, PointerAppend(pointer, key), cur.depth + 1});
        }
      }
    }
    for (auto it = nested.rbegin(); it != nested.rend(); ++it) stack.push_back(std::move(*it));
  }
}

}  // namespace

// Conservative: any string containing "$$" may be a context path.
bool MentionsContext(const Json& document) {
  std::vector<const Json*> stack{&document};
  while (!stack.empty()) {
    const Json* node = stack.back();
    stack.pop_back();
    if (node->is_string()) {
      if (node->get_ref<const std::string&>().find("$$") != std::string::npos) return true;
    } else if (node->is_structured()) {
      for (const auto& child : *node) stack.push_back(&child);
    }
  }
  return false;
}

const char* StateTypeName(StateType type) {
  switch (type) {
    case StateType::kPass:
      return "Pass";
    case StateType::kTask:
      return "Task";
    case StateType::kChoice:
      return "Choice";
    case StateType::kWait:
      return "Wait";
    case StateType::kSucceed:
      return "Succeed";
    case StateType::kFail:
      return "Fail";
    case StateType::kParallel:
      return "Parallel";
    case StateType::kMap:
      return "Map";
  }
  return "?";
}

// ---- StateParser helpers ----

const Json* StateParser::Get(const std::string& key) const {
  auto it = fields_.find(key);
  return it == fields_.end() ? nullptr : &*it;
}

std::optional<std::string> StateParser::String(const std::string& key) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Error(key, key + " must be a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<double> StateParser::Number(const std::string& key) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    Error(key, key + " must be a number");
    return std::nullopt;
  }
  return v->get<double>();
}

std::optional<int64_t> StateParser::Integer(const std::string& key, int64_t min, int64_t max) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer() &&
      !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>())) {
    Error(key, key + " must be an integer");
    return std::nullopt;
  }
  double d = v->get<double>();
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    Error(key, key + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

std::optional<JsonPath> StateParser::Path(const std::string& key, bool reference_only) {
  auto text = String(key);
  if (!text) return std::nullopt;
  auto path = JsonPath::Parse(*text);
  if (!path) {
    Error(key, path.error().cause);
    return std::nullopt;
  }
  if (reference_only && !path->is_definite()) {
    Error(key,
          key + " must be a reference path (no wildcards, slices or filters): '" + *text + "'");
    return std::nullopt;
  }
  return std::move(*path);
}

std::shared_ptr<const PayloadTemplate> StateParser::Template(const std::string& key) {
  const Json* v = Get(key);
  if (!v) return nullptr;
  return PayloadTemplate::Compile(*v, PointerOf(key), diags_);
}

NumberOrPath StateParser::NumberOrPathPair(const std::string& key, int64_t min, int64_t max,
                                           bool integer_only) {
  NumberOrPath out;
  std::string path_key = key + "Path";
  if (Get(key) && Get(path_key)) {
    Error(key, "only one of " + key + " and " + path_key + " may be set");
    return out;
  }
  if (Get(key)) {
    if (integer_only) {
      if (auto v = Integer(key, min, max)) out.value = static_cast<double>(*v);
    } else if (auto v = Number(key)) {
      if (*v < static_cast<double>(min) || *v > static_cast<double>(max)) {
        Error(key, key + " must be between " + std::to_string(min) + " and " + std::to_string(max));
      } else {
        out.value = *v;
      }
    }
  } else if (Get(path_key)) {
    out.path = Path(path_key, true);
  }
  return out;
}

ResultPathSpec StateParser::ResultPath(const std::string& key) {
  ResultPathSpec spec;
  const Json* v = Get(key);
  if (!v) return spec;
  if (v->is_null()) {
    spec.discard = true;
    return spec;
  }
  auto path = Path(key, true);
  if (path && path->root() != JsonPath::Root::kInput) {
    Error(key, key + " must start with '$.' (it writes into the state's input)");
    return spec;
  }
  spec.path = std::move(path);
  return spec;
}

namespace {

std::vector<std::string> ParseErrorEquals(StateParser& p, const Json& entry,
                                          const std::string& pointer) {
  std::vector<std::string> errors;
  auto it = entry.find("ErrorEquals");
  if (it == entry.end() || !it->is_array() || it->empty()) {
    p.diags().Add(pointer, "ErrorEquals must be a non-empty array of error names");
    return errors;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) {
      p.diags().Add(PointerAppend(PointerAppend(pointer, "ErrorEquals"), i),
                    "error names must be strings");
      continue;
    }
    errors.push_back((*it)[i].get<std::string>());
  }
  for (size_t i = 0; i < errors.size(); ++i) {
    if (errors[i] == "States.ALL" && errors.size() != 1) {
      p.diags().Add(PointerAppend(pointer, "ErrorEquals"),
                    "States.ALL must appear alone in ErrorEquals");
    }
  }
  return errors;
}

void CheckKeys(StateParser& p, const Json& entry, const std::string& pointer,
               const std::set<std::string>& allowed, const char* what) {
  for (auto it = entry.begin(); it != entry.end(); ++it) {
    if (!allowed.count(it.key())) {
      p.diags().Add(PointerAppend(pointer, it.key()),
                    "field '" + it.key() + "' is not allowed in a " + what);
    }
  }
}

// States.ALL in a list that is not the last one shadows everything after it.
void CheckAllIsLast(StateParser& p, const std::vector<std::vector<std::string>>& lists,
                    const std::string& key) {
  for (size_t i = 0; i + 1 < lists.size(); ++i) {
    if (lists[i].size() == 1 && lists[i][0] == "States.ALL") {
      p.Error(key, "the " + key + " entry with States.ALL must be the last one");
    }
  }
}

}  // namespace

void StateParser::ParseRetry(State& state) {
  const Json* retry = Get("Retry");
  if (!retry->is_array()) {
    Error("Retry", "Retry must be an array");
    return;
  }
  std::vector<std::vector<std::string>> lists;
  for (size_t i = 0; i < retry->size(); ++i) {
    const Json& entry = (*retry)[i];
    std::string ptr = PointerAppend(PointerOf("Retry"), i);
    if (!entry.is_object()) {
      diags_.Add(ptr, "a retrier must be an object");
      continue;
    }
    CheckKeys(*this, entry, ptr,
              {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
               "JitterStrategy", "Comment"},
              "retrier");
    StateParser sub(entry, ptr, diags_, depth_);
    Retrier r;
    r.errors = ParseErrorEquals(*this, entry, ptr);
    lists.push_back(r.errors);
    if (auto v = sub.Integer("IntervalSeconds", 1, 99999999)) r.interval_seconds = *v;
    if (auto v = sub.Integer("MaxAttempts", 0, 99999999)) r.max_attempts = *v;
    if (auto v = sub.Number("BackoffRate")) {
      if (*v < 1.0) {
        sub.Error("BackoffRate", "BackoffRate must be at least 1.0");
      } else {
        r.backoff_rate = *v;
      }
    }
    if (auto v = sub.Integer("MaxDelaySeconds", 1, 31622400)) r.max_delay_seconds = *v;
    if (auto v = sub.String("JitterStrategy")) {
      if (*v == "FULL") {
        r.full_jitter = true;
      } else if (*v != "NONE") {
        sub.Error("JitterStrategy", "JitterStrategy must be FULL or NONE");
      }
    }
    state.retry.push_back(std::move(r));
  }
  CheckAllIsLast(*this, lists, "Retry");
}

void StateParser::ParseCatch(State& state, PendingNext& pending) {
  const Json* catchers = Get("Catch");
  if (!catchers->is_array()) {
    Error("Catch", "Catch must be an array");
    return;
  }
  state.catchers.reserve(catchers->size());
  std::vector<std::vector<std::string>> lists;
  for (size_t i = 0; i < catchers->size(); ++i) {
    const Json& entry = (*catchers)[i];
    std::string ptr = PointerAppend(PointerOf("Catch"), i);
    if (!entry.is_object()) {
      diags_.Add(ptr, "a catcher must be an object");
      continue;
    }
    CheckKeys(*this, entry, ptr, {"ErrorEquals", "Next", "ResultPath", "Assign", "Comment"},
              "catcher");
    StateParser sub(entry, ptr, diags_, depth_);
    Catcher c;
    c.errors = ParseErrorEquals(*this, entry, ptr);
    lists.push_back(c.errors);
    if (sub.Get("ResultPath")) c.result_path = sub.ResultPath("ResultPath");
    if (sub.Get("Assign")) c.assign = sub.Template("Assign");
    state.catchers.push_back(std::move(c));
    auto next = sub.String("Next");
    if (!next) {
      if (!sub.Get("Next")) diags_.Add(ptr, "a catcher needs Next");
      continue;
    }
    pending.push_back({sub.PointerOf("Next"), *next, &state.catchers.back().next});
  }
  CheckAllIsLast(*this, lists, "Catch");
}

std::shared_ptr<const StateMachine> ParseStateMachine(const Json& value, const std::string& pointer,
                                                      Diagnostics& diags, int depth) {
  if (depth > kMaxMachineDepth) {
    diags.Add(pointer, "state machines nested more than " + std::to_string(kMaxMachineDepth) +
                           " levels deep");
    return nullptr;
  }
  if (!value.is_object()) {
    diags.Add(pointer, "a state machine must be an object with StartAt and States");
    return nullptr;
  }
  size_t errors_before = diags.items().size();
  auto machine = std::make_shared<StateMachine>();
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& key = it.key();
    if (key != "StartAt" && key != "States" && key != "Comment" && key != "Version" &&
        key != "TimeoutSeconds" && key != "ProcessorConfig" && key != "QueryLanguage") {
      diags.Add(PointerAppend(pointer, key), "field '" + key + "' is not allowed here");
    }
    if (key == "QueryLanguage" &&
        !(it->is_string() && it->get_ref<const std::string&>() == "JSONPath")) {
      diags.Add(PointerAppend(pointer, key),
                "QueryLanguage JSONata is not supported yet (only JSONPath)");
    }
  }
  auto start = value.find("StartAt");
  auto states = value.find("States");
  std::string states_pointer = PointerAppend(pointer, "States");
  if (states == value.end() || !states->is_object() || states->empty()) {
    diags.Add(states == value.end() ? pointer : states_pointer,
              "States must be a non-empty object");
    return nullptr;
  }
  machine->states.resize(states->size());
  PendingNext pending;
  size_t i = 0;
  for (auto it = states->begin(); it != states->end(); ++it, ++i) {
    const std::string& name = it.key();
    if (name.empty() || name.size() > 80) {
      diags.Add(PointerAppend(states_pointer, name), "state names must be 1 to 80 characters");
    }
    if (!machine->index_by_name.emplace(name, static_cast<int>(i)).second) {
      diags.Add(PointerAppend(states_pointer, name), "duplicate state name '" + name + "'");
    }
    ParseState(name, *it, PointerAppend(states_pointer, name), diags, depth, machine->states[i],
               pending);
  }
  if (start == value.end() || !start->is_string()) {
    diags.Add(start == value.end() ? pointer : PointerAppend(pointer, "StartAt"),
              "StartAt must name a state");
    return nullptr;
  }
  auto start_it = machine->index_by_name.find(start->get<std::string>());
  if (start_it == machine->index_by_name.end()) {
    diags.Add(PointerAppend(pointer, "StartAt"),
              "StartAt names '" + start->get<std::string>() + "', which is not a state here");
    return nullptr;
  }
  machine->start = start_it->second;
  for (const auto& t : pending) {
    auto target = machine->index_by_name.find(t.name);
    if (target == machine->index_by_name.end()) {
      diags.Add(t.pointer, "'" + t.name + "' is not a state of this state machine" +
                               (depth > 0 ? " (a transition cannot leave its branch)" : ""));
      continue;
    }
    *t.target = target->second;
  }
  if (diags.items().size() != errors_before) return nullptr;
  CheckReachability(*machine, states_pointer, diags);
  if (diags.items().size() != errors_before) return nullptr;
  return machine;
}

std::shared_ptr<const Definition> ParseDefinition(const Json& document, Diagnostics& diags) {
  if (!document.is_object()) {
    diags.Add("", "a workflow definition must be an object with StartAt and States");
    return nullptr;
  }
  auto machine = ParseStateMachine(document, "", diags, 0);
  CheckUniqueStateNames(document, diags);
  auto definition = std::make_shared<Definition>();
  if (auto it = document.find("TimeoutSeconds"); it != document.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      diags.Add("/TimeoutSeconds", "TimeoutSeconds must be a non-negative integer");
    } else {
      definition->timeout_seconds = it->get<double>();
    }
  }
  if (auto it = document.find("Comment"); it != document.end() && it->is_string()) {
    definition->comment = it->get<std::string>();
  }
  if (auto it = document.find("Version"); it != document.end()) {
    if (!it->is_string()) {
      diags.Add("/Version", "Version must be a string");
    } else {
      definition->version = it->get<std::string>();
    }
  }
  if (!machine || !diags.empty()) return nullptr;
  definition->uses_context = MentionsContext(document);
  definition->machine = std::move(*std::const_pointer_cast<StateMachine>(machine));
  return definition;
}

}  // namespace hpcflow::workflows
