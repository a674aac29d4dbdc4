// The JSON value type used throughout hpcflow.
//
// An ordered object keeps keys in insertion order, as AWS Step Functions does
// when it prints payloads, so outputs read the same as on AWS.
// Values of this type are members of many structs, so the full nlohmann
// header is included here.
#ifndef HPCFLOW_COMMON_JSON_H_
#define HPCFLOW_COMMON_JSON_H_

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace hpcflow {

using Json = nlohmann::ordered_json;

// Parses JSON text. On failure the Error's cause says what is wrong and where
// (line and column). Documents nested deeper than 512 levels are refused.
// Never throws.
Result<Json> ParseJson(std::string_view text);

// The deepest [ / { nesting of JSON text (brackets inside strings do not
// count), without parsing or recursing. Stops counting once past `limit`,
// so the result is exact up to limit + 1.
int JsonNestingDepth(std::string_view text, int limit);

// The first integer literal in JSON text that does not fit in 64 bits
// (ParseJson would turn it into an inexact double), or nullopt. Numbers
// with a fraction or an exponent are floating point by intent and pass.
std::optional<std::string> FindInexactInteger(std::string_view text);

// Compact serialisation the way AWS prints payloads: no spaces, UTF-8 kept,
// invalid UTF-8 replaced rather than thrown on.
std::string DumpJson(const Json& value);

// Serialisation with two-space indentation, for humans.
std::string DumpJsonPretty(const Json& value);

// Reads a whole file into memory.
Result<std::string> ReadFile(const std::string& path);

// Writes `content` to a temporary file beside `path` and renames it over
// `path`, so a reader sees all of it or nothing. The file is 0600. The temporary name carries
// the pid, so two writers (a job wrapper and a backend, or an orchestrator
// and a batch script) never share one. Errors: "io".
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_JSON_H_
