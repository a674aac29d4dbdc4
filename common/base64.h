// Base64 (RFC 4648) on OpenSSL's EVP block coder: the standard alphabet
// with padding (States.Base64Encode/Decode) and the unpadded URL-safe form
// (task tokens, job report keys). The one base64 of hpcflow.
#ifndef HPCFLOW_COMMON_BASE64_H_
#define HPCFLOW_COMMON_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace hpcflow {

// Standard alphabet, padded, no line breaks.
std::string Base64Encode(std::string_view bytes);

// Decodes leniently, the way AWS's States.Base64Decode does (it accepts what
// Apache Commons Codec accepts): characters outside the alphabet
// (whitespace, '!', ...) are skipped, the URL-safe '-' and '_' are accepted,
// the first '=' ends the data, and missing padding is tolerated (leftover
// bits that do not make a whole byte are dropped). Never fails; the result
// is raw bytes.
std::string Base64DecodeLenient(std::string_view text);

// URL-safe alphabet ('-', '_'), no padding.
std::string Base64UrlEncode(std::string_view bytes);

// Decodes unpadded base64url, accepting only the canonical spelling (the
// unused low bits of the last character zero): two different strings never
// decode to the same bytes, so an altered signature cannot pass.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_BASE64_H_
