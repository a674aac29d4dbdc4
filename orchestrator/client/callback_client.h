// The client side of the callback API: what `hpcflow callback` and the job
// wrapper use to reach the server from a compute node (DESIGN.md §4.4: the
// client retries with backoff while the server is down).
#ifndef HPCFLOW_ORCHESTRATOR_CLIENT_CALLBACK_CLIENT_H_
#define HPCFLOW_ORCHESTRATOR_CLIENT_CALLBACK_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

struct RetryPolicy {
  int64_t give_up_after_ms = 600000;
  int initial_backoff_ms = 100;
  int max_backoff_ms = 10000;
  int connect_timeout_ms = 5000;   // per attempt
  int request_timeout_ms = 30000;  // per attempt, connect included
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// The error name when SendWithRetry gives up.
inline constexpr char kUnreachableError[] = "hpcflow.Unreachable";

// Sends `method` (GET or POST) to url_provider() + path with `body`
// (Content-Type: application/json when non-empty) and `headers`.
//
// Retries, with exponential backoff and jitter, when the server cannot be
// reached (no URL yet, refused, reset, timed out) and when it answers 502,
// 503 or 504; url_provider is asked again before every attempt, because a
// restarted server may listen on another port. Every other status (2xx, 4xx,
// 500) is returned as a reply, not retried.
//
// Errors: after give_up_after_ms, Error{kUnreachableError, what was tried,
// for how long, how many attempts and the last failure}; a URL curl refuses
// outright (bad scheme, malformed): Error{"usage", ...} at once.
// Thread-safe; never throws.
Result<HttpReply> SendWithRetry(const std::function<std::string()>& url_provider,
                                const std::string& method, const std::string& path,
                                const std::string& body,
                                const std::map<std::string, std::string>& headers,
                                const RetryPolicy& policy);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLIENT_CALLBACK_CLIENT_H_
