#include "common/base64.h"

#include <openssl/evp.h>

#include <algorithm>

namespace hpcflow {

namespace {

bool IsStandardChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Decodes standard-alphabet characters only (no padding, no other
// characters; a length of 4k+1 is not valid and returns nullopt). Leftover
// bits that do not make a whole byte are dropped.
std::optional<std::string> DecodeStandardChars(std::string chars) {
  const size_t rest = chars.size() % 4;
  if (rest == 1) return std::nullopt;
  const size_t padding = rest == 0 ? 0 : 4 - rest;
  chars.append(padding, '=');
  if (chars.empty()) return std::string();
  std::string out(chars.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(chars.data()),
                               static_cast<int>(chars.size()));
  if (length < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<size_t>(length) - padding);
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(length, 0)));
  return out;
}

std::string Base64DecodeLenient(std::string_view text) {
  std::string chars;
  chars.reserve(text.size());
  for (char c : text) {
    if (c == '=') break;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
    if (IsStandardChar(c)) chars += c;
  }
  // A lone last character holds fewer than 8 bits: dropped, as AWS does.
  if (chars.size() % 4 == 1) chars.pop_back();
  return DecodeStandardChars(std::move(chars)).value_or(std::string());
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string chars(text);
  for (char& c : chars) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || !IsStandardChar(c)) {
      return std::nullopt;
    }
  }
  auto bytes = DecodeStandardChars(std::move(chars));
  // Canonical: encoding the bytes again gives the text back.
  if (!bytes || Base64UrlEncode(*bytes) != text) return std::nullopt;
  return bytes;
}

}  // namespace hpcflow
