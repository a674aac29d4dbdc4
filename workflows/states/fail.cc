// Fail: ends its state machine with an error and cause, given literally,
// through a path, or computed by an intrinsic function.
#include <nlohmann/json.hpp>

#include "workflows/interpreter_env.h"
#include "workflows/intrinsics.h"
#include "workflows/states/state_parser.h"

namespace hpcflow::workflows {

namespace {

FailField ParseFailField(StateParser& p, const std::string& key) {
  FailField field;
  std::string path_key = key + "Path";
  if (p.Get(key) && p.Get(path_key)) {
    p.Error(key, "only one of " + key + " and " + path_key + " may be set");
    return field;
  }
  if (p.Get(key)) {
    field.literal = p.String(key);
    return field;
  }
  auto text = p.String(path_key);
  if (!text) return field;
  field.path_text = *text;
  if (LooksLikeIntrinsic(*text)) {
    auto call = ParseIntrinsic(*text);
    if (!call) {
      p.Error(path_key, call.error().cause);
      return field;
    }
    field.intrinsic = std::move(*call);
    return field;
  }
  field.path = p.Path(path_key, false);
  return field;
}

}  // namespace

void ParseFailFields(StateParser& p, State& s) {
  s.error = ParseFailField(p, "Error");
  s.cause = ParseFailField(p, "Cause");
}

Step Interpreter::Impl::RunFail(int sid) {
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  Env env(*this, sid, s.input);
  AslError error;
  auto resolve = [&](const FailField& field,
                     const char* key) -> Result<std::optional<std::string>> {
    if (field.literal) return std::optional<std::string>(*field.literal);
    std::optional<Json> value;
    if (field.intrinsic) {
      auto result = EvaluateIntrinsic(*field.intrinsic, env, random());
      if (!result) return Fail(result.error());
      value = std::move(*result);
    } else if (field.path) {
      value = field.path->Evaluate(env);
      if (!value) {
        return Fail("States.Runtime",
                    "The JSONPath '" + field.path_text + "' specified for the field '" + key +
                        "' could not be found in the input '" + DumpJson(s.input) + "'");
      }
    } else {
      return std::optional<std::string>();
    }
    if (value->is_string()) return std::optional<std::string>(value->get<std::string>());
    return std::optional<std::string>(DumpJson(*value));
  };
  auto name = resolve(st.error, "ErrorPath");
  if (!name) return FailState(sid, RuntimeError(sid, name.error().cause));
  auto cause = resolve(st.cause, "CausePath");
  if (!cause) return FailState(sid, RuntimeError(sid, cause.error().cause));
  // A Fail state without Error reports no error name: keep it empty and let
  // the host omit it.
  error.name = name->value_or("");
  error.cause = *cause;
  return FailState(sid, std::move(error));
}

}  // namespace hpcflow::workflows
