// The CLI's side of the control API: when a server runs for the state
// directory, `submit`, `stop`, `status`, `list` and `history` go through it
// (it acts at once, and it is the one writer of the store); without one,
// they work on the store directly.
#ifndef HPCFLOW_ORCHESTRATOR_CLIENT_CONTROL_CLIENT_H_
#define HPCFLOW_ORCHESTRATOR_CLIENT_CONTROL_CLIENT_H_

#include <optional>
#include <string>

#include "common/result.h"
#include "orchestrator/client/callback_client.h"

namespace hpcflow::orchestrator {

// nullopt: no server serves `state_dir` (or it has no URL yet). Otherwise
// the server's reply, or an error when it could not be reached in time.
std::optional<Result<HttpReply>> CallServer(const std::string& state_dir, const std::string& method,
                                            const std::string& path, const std::string& body = "");

// `text` made safe for one path segment of a URL.
std::string UrlSegment(const std::string& text);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLIENT_CONTROL_CLIENT_H_
