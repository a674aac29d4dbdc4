#include "orchestrator/control_client.h"

#include <cctype>
#include <cstdio>

#include "orchestrator/api_server.h"
#include "orchestrator/server_lock.h"

namespace hpcflow::orchestrator {

namespace {

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

}  // namespace

std::optional<Result<HttpReply>> CallServer(const std::string& state_dir, const std::string& method,
                                            const std::string& path, const std::string& body) {
  if (!ServerLock::IsHeld(state_dir)) return std::nullopt;
  auto url = ReadFile(ServerUrlFile(state_dir));
  auto secret = ReadFile(ControlKeyFile(state_dir));
  if (!url || !secret) return std::nullopt;
  std::string base = Trimmed(*url);
  RetryPolicy policy;
  policy.give_up_after_ms = 10'000;  // a busy server answers; a dead one is not waited for
  std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + Trimmed(*secret)}};
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
