#include "orchestrator/client/control_client.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "orchestrator/store/secret_file.h"
#include "orchestrator/store/server_lock.h"
#include "orchestrator/store/state_files.h"

namespace hpcflow::orchestrator {

std::optional<Result<HttpReply>> CallServer(const std::string& state_dir, const std::string& method,
                                            const std::string& path, const std::string& body) {
  if (!ServerLock::IsHeld(state_dir)) return std::nullopt;
  std::string base = ReadServerUrl(state_dir);
  if (base.empty()) return std::nullopt;
  // The server made it at its start (no key: no control API to call); the
  // reader also checks it is still owner-only.
  if (access(ControlKeyFile(state_dir).c_str(), F_OK) != 0) return std::nullopt;
  auto secret = LoadOrCreateSecret(ControlKeyFile(state_dir));
  if (!secret) return Result<HttpReply>(Fail(secret.error()));
  RetryPolicy policy;
  policy.give_up_after_ms = 10'000;  // a busy server answers; a dead one is not waited for
  std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + *secret}};
  if (!body.empty()) headers["Content-Type"] = "application/json";
  return SendWithRetry([base] { return base; }, method, path, body, headers, policy);
}

std::string UrlSegment(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof(buffer), "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

}  // namespace hpcflow::orchestrator
