#include "orchestrator/runtime/callback_request.h"

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "backends/job.h"

namespace hpcflow::orchestrator {

namespace {

Unexpected<Error> Invalid(CallbackKind kind, const std::string& why) {
  return Fail(kInvalidCallbackError,
              std::string("invalid ") + CallbackKindName(kind) + " callback: " + why);
}

// Code points of UTF-8 text (ParseJson has already refused invalid UTF-8).
size_t Utf8Chars(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

const char* TypeName(const Json& value) { return value.type_name(); }

// The first member of `object` not in `allowed`, or empty.
std::string UnknownField(const Json& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) return key;
  }
  return "";
}

Result<std::string> OptionalString(CallbackKind kind, const Json& object, const char* field,
                                   size_t max_chars) {
  if (!object.contains(field) || object[field].is_null()) return std::string();
  const Json& value = object[field];
  if (!value.is_string()) {
    return Invalid(kind,
                   std::string("field '") + field + "' must be a string, not " + TypeName(value));
  }
  std::string text = value.get<std::string>();
  size_t chars = Utf8Chars(text);
  if (chars > max_chars) {
    return Invalid(kind, std::string("field '") + field + "' is " + std::to_string(chars) +
                             " characters long; at most " + std::to_string(max_chars) +
                             " are allowed");
  }
  return text;
}

// An integer member of "end" within [min, max] (JobEndFromJson reads
// exit_code and signal as int, the times as int64).
Status CheckInteger(CallbackKind kind, const Json& end, const char* field, int64_t min,
                    int64_t max) {
  if (!end.contains(field)) {
    return Invalid(kind, std::string("field 'end.") + field + "' is missing");
  }
  const Json& value = end[field];
  if (!value.is_number_integer()) {
    return Invalid(
        kind, std::string("field 'end.") + field + "' must be an integer, not " + TypeName(value));
  }
  bool in_range = value.is_number_unsigned()
                      ? value.get<uint64_t>() <= static_cast<uint64_t>(max)
                      : value.get<int64_t>() >= min && value.get<int64_t>() <= max;
  if (!in_range) {
    return Invalid(kind, std::string("field 'end.") + field + "' is out of range");
  }
  return {};
}

Result<Json> ParseJobEnd(CallbackKind kind, const Json& body) {
  if (!body.contains("end")) return Invalid(kind, "field 'end' is missing");
  const Json& end = body["end"];
  if (!end.is_object()) {
    return Invalid(kind, std::string("field 'end' must be an object, not ") + TypeName(end));
  }
  std::string unknown =
      UnknownField(end, {"kind", "exit_code", "signal", "start_ms", "end_ms", "detail"});
  if (!unknown.empty()) return Invalid(kind, "unknown field 'end." + unknown + "'");
  if (!end.contains("kind") || !end["kind"].is_string()) {
    return Invalid(kind, "field 'end.kind' must be a string (exited, signaled, timed_out, ...)");
  }
  std::string name = end["kind"].get<std::string>();
  // JobEndKindFromName maps unknown names to kLost; only an exact round trip
  // tells a real "lost" from a typo.
  if (backends::JobEndKindName(backends::JobEndKindFromName(name)) != name) {
    return Invalid(kind, "field 'end.kind' has an unknown value '" + name + "'");
  }
  constexpr int64_t kIntMin = std::numeric_limits<int>::min();
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
  for (const char* field : {"exit_code", "signal"}) {
    if (auto ok = CheckInteger(kind, end, field, kIntMin, kIntMax); !ok) return Fail(ok.error());
  }
  for (const char* field : {"start_ms", "end_ms"}) {
    if (auto ok = CheckInteger(kind, end, field, -kInt64Max, kInt64Max); !ok) {
      return Fail(ok.error());
    }
  }
  if (end.contains("detail") && !end["detail"].is_string()) {
    return Invalid(
        kind, std::string("field 'end.detail' must be a string, not ") + TypeName(end["detail"]));
  }
  return end;
}

}  // namespace

const char* CallbackKindName(CallbackKind kind) {
  switch (kind) {
    case CallbackKind::kSuccess:
      return "success";
    case CallbackKind::kFailure:
      return "failure";
    case CallbackKind::kHeartbeat:
      return "heartbeat";
    case CallbackKind::kJobEnd:
      return "job-end";
  }
  return "unknown";
}

Result<CallbackRequest> ParseCallbackRequest(CallbackKind kind, const std::string& body) {
  auto parsed = ParseJson(body);
  if (!parsed) return Invalid(kind, "the body is not JSON: " + parsed.error().cause);
  const Json& json = *parsed;
  if (!json.is_object()) {
    return Invalid(kind, std::string("the body must be a JSON object, not ") + TypeName(json));
  }
  std::string unknown;
  switch (kind) {
    case CallbackKind::kSuccess:
      unknown = UnknownField(json, {"token", "output"});
      break;
    case CallbackKind::kFailure:
      unknown = UnknownField(json, {"token", "error", "cause"});
      break;
    case CallbackKind::kHeartbeat:
      unknown = UnknownField(json, {"token"});
      break;
    case CallbackKind::kJobEnd:
      unknown = UnknownField(json, {"token", "end", "key"});
      break;
  }
  if (!unknown.empty()) return Invalid(kind, "unknown field '" + unknown + "'");

  CallbackRequest request;
  request.kind = kind;
  if (!json.contains("token")) return Invalid(kind, "field 'token' is missing");
  if (!json["token"].is_string()) {
    return Invalid(kind,
                   std::string("field 'token' must be a string, not ") + TypeName(json["token"]));
  }
  request.token = json["token"].get<std::string>();
  if (request.token.empty()) return Invalid(kind, "field 'token' is empty");

  switch (kind) {
    case CallbackKind::kSuccess:
      // AWS requires the output too: a missing one is a client bug, not null.
      if (!json.contains("output")) return Invalid(kind, "field 'output' is missing");
      // An integer beyond 64 bits would be kept as a rounded double: refuse
      // it rather than change the task's output silently.
      if (auto inexact = FindInexactInteger(body)) {
        return Invalid(kind, "the number " + inexact->substr(0, 64) +
                                 " does not fit in 64 bits and would lose digits; send it "
                                 "as a string");
      }
      request.output = json["output"];
      break;
    case CallbackKind::kFailure: {
      auto error = OptionalString(kind, json, "error", kMaxCallbackErrorChars);
      if (!error) return Fail(error.error());
      auto cause = OptionalString(kind, json, "cause", kMaxCallbackCauseChars);
      if (!cause) return Fail(cause.error());
      request.error = std::move(*error);
      request.cause = std::move(*cause);
      break;
    }
    case CallbackKind::kHeartbeat:
      break;
    case CallbackKind::kJobEnd: {
      auto end = ParseJobEnd(kind, json);
      if (!end) return Fail(end.error());
      request.job_end = std::move(*end);
      auto key = OptionalString(kind, json, "key", 256);
      if (!key) return Fail(key.error());
      request.report_key = std::move(*key);
      break;
    }
  }
  return request;
}

}  // namespace hpcflow::orchestrator
