// Wait: pauses its branch for a number of seconds or until a timestamp.
#include <limits>

#include <nlohmann/json.hpp>

#include "workflows/interpreter_env.h"
#include "workflows/states/state_parser.h"
#include "workflows/timestamp.h"

namespace hpcflow::workflows {

void ParseWaitFields(StateParser& p, State& s) {
  int given = (p.Get("Seconds") ? 1 : 0) + (p.Get("SecondsPath") ? 1 : 0) +
              (p.Get("Timestamp") ? 1 : 0) + (p.Get("TimestampPath") ? 1 : 0);
  if (given != 1) {
    p.diags().Add(p.pointer(),
                  "a Wait state needs exactly one of Seconds, SecondsPath, "
                  "Timestamp and TimestampPath");
    return;
  }
  s.wait_seconds = p.NumberOrPathPair("Seconds", 0, 99999999, true);
  if (auto text = p.String("Timestamp")) {
    if (!ParseTimestamp(*text)) {
      p.Error("Timestamp",
              "'" + *text +
                  "' is not an ISO-8601 extended offset date-time (e.g. 2024-01-31T12:00:00Z)");
    } else {
      s.wait_timestamp = *text;
    }
  }
  if (p.Get("TimestampPath")) s.wait_timestamp_path = p.Path("TimestampPath", true);
}

namespace {

// Clamped: ParseTimestamp accepts years far beyond what milliseconds in an
// int64 can hold.
TimeMs ToMs(const Timestamp& t) {
  constexpr int64_t kMaxSeconds = std::numeric_limits<TimeMs>::max() / 1000 - 1;
  if (t.seconds > kMaxSeconds) return std::numeric_limits<TimeMs>::max();
  if (t.seconds < -kMaxSeconds) return std::numeric_limits<TimeMs>::min();
  return t.seconds * 1000 + t.nanos / 1'000'000;
}

}  // namespace

Step Interpreter::Impl::RunWait(int sid) {
  auto effective = EffectiveInput(sid, false);
  if (!effective) return FailState(sid, RuntimeError(sid, effective.error().cause));
  Scope& s = scope(sid);
  const State& st = CurrentState(s);
  TimeMs fire_at = now_;
  if (st.wait_seconds.value) {
    fire_at = AddSeconds(now_, *st.wait_seconds.value);
  } else if (st.wait_seconds.path) {
    Env env(*this, sid, *effective);
    auto value = ResolveFieldPath(*st.wait_seconds.path, env);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    std::string where = st.wait_seconds.path->text() + " == " + DumpJson(*value);
    if (!value->is_number_integer()) {
      return FailState(sid, RuntimeError(sid,
                                         "The SecondsPath parameter cannot be parsed as a "
                                         "long value: " +
                                             where));
    }
    if (value->get<double>() < 0) {
      return FailState(sid, RuntimeError(sid,
                                         "The SecondsPath parameter references a negative "
                                         "value: " +
                                             where));
    }
    fire_at = AddSeconds(now_, value->get<double>());
  } else if (st.wait_timestamp) {
    fire_at = ToMs(*ParseTimestamp(*st.wait_timestamp));
  } else if (st.wait_timestamp_path) {
    Env env(*this, sid, *effective);
    auto value = ResolveFieldPath(*st.wait_timestamp_path, env);
    if (!value) return FailState(sid, RuntimeError(sid, value.error().cause));
    std::optional<Timestamp> ts;
    if (value->is_string()) ts = ParseTimestamp(value->get_ref<const std::string&>());
    if (!ts) {
      return FailState(sid, RuntimeError(sid,
                                         "The TimestampPath parameter does not reference a "
                                         "valid ISO-8601 extended offset date-time format "
                                         "string: " +
                                             st.wait_timestamp_path->text() + " == " +
                                             (value->is_string() ? value->get<std::string>()
                                                                 : DumpJson(*value))));
    }
    fire_at = ToMs(*ts);
  }
  if (fire_at <= now_) {
    return CompleteWithoutResult(sid, std::move(*effective), st.end ? -1 : st.next,
                                 st.assign.get());
  }
  s.effective = std::move(*effective);
  s.timer = StartTimer(sid, TimerKind::kWait, fire_at);
  return Step::kBlocked;
}

}  // namespace hpcflow::workflows
