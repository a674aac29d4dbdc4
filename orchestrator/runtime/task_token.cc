#include "orchestrator/runtime/task_token.h"

#include <optional>

#include "common/base64.h"
#include "common/digest.h"
#include "common/json.h"

namespace hpcflow::orchestrator {

namespace {

// The MAC of `data`: HMAC-SHA-256 under the server's secret.
std::string Mac(const std::string& secret, const std::string& data) {
  return HmacSha256(secret, data);
}

Unexpected<Error> Invalid(const std::string& why) {
  return Fail(kInvalidTokenError, "invalid task token: " + why);
}

}  // namespace

std::string SignTaskToken(const std::string& secret, const TokenClaims& claims) {
  // Short keys in a fixed order: the token stays small and the same claims
  // always serialise to the same bytes.
  Json json = {{"e", claims.execution_id},
               {"s", claims.state},
               {"t", claims.task_id},
               {"a", claims.attempt},
               {"i", claims.item}};
  std::string text = DumpJson(json);
  std::string payload = Base64UrlEncode(text);
  return payload + "." + Base64UrlEncode(Mac(secret, payload));
}

Result<TokenClaims> VerifyTaskToken(const std::string& secret, const std::string& token) {
  if (secret.empty()) return Fail("hpcflow.Internal", "no task token secret is loaded");
  if (token.empty()) return Invalid("empty");
  if (token.size() > kMaxTaskTokenBytes) {
    return Invalid("longer than " + std::to_string(kMaxTaskTokenBytes) + " bytes");
  }
  size_t dot = token.find('.');
  if (dot == std::string::npos || token.find('.', dot + 1) != std::string::npos) {
    return Invalid("malformed");
  }
  std::string payload = token.substr(0, dot);
  auto mac = Base64UrlDecode(token.substr(dot + 1));
  if (!mac || mac->size() != 32) return Invalid("malformed signature");
  if (!ConstantTimeEquals(Mac(secret, payload), *mac)) {
    return Invalid("signature does not match");
  }
  // Past this point the payload was produced by SignTaskToken with our secret;
  // the checks below only guard against a signing bug or a reused secret.
  auto text = Base64UrlDecode(payload);
  if (!text) return Invalid("malformed claims");
  auto json = ParseJson(*text);
  if (!json || !json->is_object()) return Invalid("malformed claims");
  const Json& j = *json;
  auto has = [&](const char* key, bool (Json::*is)() const) {
    return j.contains(key) && (j[key].*is)();
  };
  if (!has("e", &Json::is_string) || !has("s", &Json::is_string) ||
      !has("t", &Json::is_number_unsigned) || !has("a", &Json::is_number_integer) ||
      !has("i", &Json::is_number_integer)) {
    return Invalid("malformed claims");
  }
  TokenClaims claims;
  claims.execution_id = j["e"].get<std::string>();
  claims.state = j["s"].get<std::string>();
  claims.task_id = j["t"].get<uint64_t>();
  claims.attempt = j["a"].get<int>();
  claims.item = j["i"].get<int64_t>();
  return claims;
}

std::string JobReportKey(const std::string& secret, const std::string& token) {
  return Base64UrlEncode(Mac(secret, "hpcflow job-end report\n" + token));
}

bool CheckJobReportKey(const std::string& secret, const std::string& token,
                       const std::string& key) {
  return !secret.empty() && ConstantTimeEquals(JobReportKey(secret, token), key);
}

}  // namespace hpcflow::orchestrator
