#include "orchestrator/task_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <optional>

#include "common/json.h"

namespace hpcflow::orchestrator {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    uint32_t n = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (size - i == 1) {
    uint32_t n = uint32_t{data[i]} << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (size - i == 2) {
    uint32_t n = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Decodes unpadded base64url. Only the canonical spelling is accepted: the
// unused low bits of the last character must be zero, otherwise two different
// strings would decode to the same MAC and an altered token would pass.
std::optional<std::string> Base64UrlDecode(const std::string& text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = DecodeChar(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;
  return out;
}

std::array<unsigned char, 32> Mac(const std::string& secret, const std::string& data) {
  std::array<unsigned char, 32> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &length);
  return mac;
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
  std::string payload =
      Base64UrlEncode(reinterpret_cast<const unsigned char*>(text.data()), text.size());
  auto mac = Mac(secret, payload);
  return payload + "." + Base64UrlEncode(mac.data(), mac.size());
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
  auto expected = Mac(secret, payload);
  if (CRYPTO_memcmp(expected.data(), mac->data(), expected.size()) != 0) {
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
  auto mac = Mac(secret, "hpcflow job-end report\n" + token);
  return Base64UrlEncode(mac.data(), mac.size());
}

bool CheckJobReportKey(const std::string& secret, const std::string& token,
                       const std::string& key) {
  std::string expected = JobReportKey(secret, token);
  return !secret.empty() && key.size() == expected.size() &&
         CRYPTO_memcmp(key.data(), expected.data(), expected.size()) == 0;
}

}  // namespace hpcflow::orchestrator
