// The bodies of the callback API (DESIGN.md §4.4), parsed and validated
// without any I/O, so the server, the CLI and the fuzzer share one parser.
//
//   POST /v1/tasks/success    {"token": "...", "output": <any JSON>}
//   POST /v1/tasks/failure    {"token": "...", "error"?: "...", "cause"?: "..."}
//   POST /v1/tasks/heartbeat  {"token": "..."}
//   POST /v1/jobs/end         {"token": "...", "key": "...",
//                              "end": {"kind", "exit_code", "signal", "start_ms", "end_ms",
//                                      "detail"?}}
// A job end's "key" is the wrapper's report key (task_token.h JobReportKey);
// without the right one the server refuses the report (403).
//
// The job-end body's "end" is backends::JobEndToJson. Unknown fields are
// refused, so a misspelt "ouput" is an error rather than a silent null.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_CALLBACK_REQUEST_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_CALLBACK_REQUEST_H_

#include <cstddef>
#include <string>

#include "common/json.h"
#include "common/result.h"

namespace hpcflow::orchestrator {

enum class CallbackKind { kSuccess, kFailure, kHeartbeat, kJobEnd };

// "success", "failure", "heartbeat", "job-end": for messages.
const char* CallbackKindName(CallbackKind kind);

// The limits of AWS SendTaskFailure, in characters (UTF-8 code points).
inline constexpr size_t kMaxCallbackErrorChars = 256;
inline constexpr size_t kMaxCallbackCauseChars = 32768;

// The error name of every refused body.
inline constexpr char kInvalidCallbackError[] = "hpcflow.InvalidCallback";

struct CallbackRequest {
  CallbackKind kind = CallbackKind::kHeartbeat;
  std::string token;
  Json output;             // kSuccess: the task's output
  std::string error;       // kFailure: may be empty
  std::string cause;       // kFailure: may be empty
  Json job_end;            // kJobEnd: the validated "end" object (JobEndFromJson reads it)
  std::string report_key;  // kJobEnd: the wrapper's credential, may be empty (then refused)
};

// Parses a callback body of the given kind. On failure:
// Error{kInvalidCallbackError, message naming the field and what is wrong}.
// The token is only checked to be a non-empty string here; VerifyTaskToken
// checks it. Never throws.
Result<CallbackRequest> ParseCallbackRequest(CallbackKind kind, const std::string& body);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_CALLBACK_REQUEST_H_
