// Message digests and HMAC through OpenSSL's EVP interface: the one place
// hpcflow computes them (States.Hash, job directory names, task tokens).
#ifndef HPCFLOW_COMMON_DIGEST_H_
#define HPCFLOW_COMMON_DIGEST_H_

#include <optional>
#include <string>
#include <string_view>

namespace hpcflow {

// Raw digest bytes of `data` with `algorithm`, spelled as States.Hash spells
// it: "MD5", "SHA-1", "SHA-256", "SHA-384" or "SHA-512" (case- and
// hyphen-sensitive, as on AWS); nullopt for any other name.
std::optional<std::string> Digest(std::string_view algorithm, std::string_view data);

// The same, as lower-case hex.
std::optional<std::string> DigestHex(std::string_view algorithm, std::string_view data);

// HMAC-SHA-256 of `data` under `key` (raw bytes).
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of raw bytes.
std::string ToHex(std::string_view bytes);

// Compares two byte strings in time that depends only on their length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_DIGEST_H_
