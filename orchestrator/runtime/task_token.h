// Signed task tokens (DESIGN.md §4.4).
//
// A task token is what a job sends back with its callback. It binds the
// callback to one execution, state, task, attempt and (in a Map) item, and is
// signed with HMAC-SHA256 under the state directory's secret (token.key), so
// a forged or altered token is refused without any lookup.
//
// Format: base64url(claims JSON) "." base64url(MAC over the first part), no
// padding: URL-safe and free of spaces, so it survives environment variables,
// command lines and URLs. Signing is deterministic: the runtime re-derives the
// same token for the same claims when it replays its history.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_TOKEN_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

struct TokenClaims {
  std::string execution_id;
  std::string state;
  uint64_t task_id = 0;
  int attempt = 0;
  int64_t item = -1;  // the Map item index, -1 outside an item

  friend bool operator==(const TokenClaims&, const TokenClaims&) = default;
};

// Tokens longer than this are refused unread, so a callback cannot make the
// server decode and hash arbitrary amounts of data.
inline constexpr size_t kMaxTaskTokenBytes = 4096;

// The error name of every refused token.
inline constexpr char kInvalidTokenError[] = "hpcflow.InvalidToken";

// Signs `claims` with `secret` (the contents of token.key). Claims whose token
// would exceed kMaxTaskTokenBytes (state names of kilobytes) give a token that
// VerifyTaskToken refuses; ASL names are far shorter.
std::string SignTaskToken(const std::string& secret, const TokenClaims& claims);

// Checks the signature (in constant time) and returns the claims. Any
// alteration, a wrong secret, a non-canonical encoding, an empty or oversized
// token: Error{kInvalidTokenError, why}. The cause never echoes the token.
Result<TokenClaims> VerifyTaskToken(const std::string& secret, const std::string& token);

// The job wrapper's credential for the job-end route (POST /v1/jobs/end): an
// HMAC of the job's task token under the same secret with a label of its
// own. It is kept in the job's 0600 spec, not in the job's environment, so
// whoever learns the task token ($$.Task.Token, handed by .waitForTaskToken
// jobs to other programs) can complete the task as AWS allows, but cannot
// make up how the job ended.
std::string JobReportKey(const std::string& secret, const std::string& token);
// Constant-time check of a report key.
bool CheckJobReportKey(const std::string& secret, const std::string& token, const std::string& key);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_TASK_TOKEN_H_
