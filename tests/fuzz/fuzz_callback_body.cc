// libFuzzer target: callback bodies and task tokens, the input an HTTP client
// on any compute node can send (DESIGN.md §7: malformed callbacks get a 4xx
// and change nothing).
//
// Input format: the first byte picks the callback kind (success, failure,
// heartbeat, job end: byte % 4), the rest is the body. Besides sanitizer
// reports, the harness aborts when
//  - a refusal is not an hpcflow.InvalidCallback error with a cause, or its
//    cause contains "[json.exception" (a caught library exception posing as
//    an ordinary error);
//  - an accepted body, written back as JSON, is not accepted again with the
//    same fields;
//  - the token of an accepted body, verified as a task token, does anything
//    but fail (no secret signed it) — or a token signed for the body's claims
//    does not verify.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/json.h"
#include "orchestrator/runtime/callback_request.h"
#include "orchestrator/runtime/task_token.h"

namespace {

using namespace hpcflow;
using namespace hpcflow::orchestrator;

[[noreturn]] void Abort(const char* why, const std::string& detail) {
  std::fprintf(stderr, "fuzz_callback_body: %s: %s\n", why, detail.c_str());
  std::abort();
}

Json BodyOf(const CallbackRequest& request) {
  Json body = {{"token", request.token}};
  switch (request.kind) {
    case CallbackKind::kSuccess:
      body["output"] = request.output;
      break;
    case CallbackKind::kFailure:
      body["error"] = request.error;
      body["cause"] = request.cause;
      break;
    case CallbackKind::kHeartbeat:
      break;
    case CallbackKind::kJobEnd:
      body["end"] = request.job_end;
      break;
  }
  return body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto kind = static_cast<CallbackKind>(data[0] % 4);
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

  auto request = ParseCallbackRequest(kind, body);
  if (!request) {
    const Error& error = request.error();
    if (error.name != kInvalidCallbackError || error.cause.empty()) {
      Abort("refusal without the expected error", error.name + ": " + error.cause);
    }
    if (error.cause.find("[json.exception") != std::string::npos &&
        body.find("[json.exception") == std::string::npos) {
      Abort("library exception in a cause", error.cause);
    }
    return 0;
  }
  if (request->token.empty()) Abort("accepted an empty token", body);

  std::string again_text = DumpJson(BodyOf(*request));
  auto again = ParseCallbackRequest(kind, again_text);
  if (!again) Abort("accepted body refused when written back", again.error().cause);
  if (DumpJson(BodyOf(*again)) != again_text) Abort("round trip changed the body", again_text);

  const std::string secret(64, 'f');
  if (VerifyTaskToken(secret, request->token)) Abort("an unsigned token verified", body);
  TokenClaims claims;
  claims.execution_id = request->token.substr(0, 64);
  claims.state = request->error.substr(0, 80);
  claims.attempt = static_cast<int>(size);
  auto verified = VerifyTaskToken(secret, SignTaskToken(secret, claims));
  if (!verified || verified->attempt != claims.attempt) Abort("a signed token failed", body);
  return 0;
}
