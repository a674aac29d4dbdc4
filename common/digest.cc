#include "common/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <utility>

namespace hpcflow {

namespace {

const EVP_MD* DigestNamed(std::string_view algorithm) {
  static const std::array<std::pair<std::string_view, const EVP_MD* (*)()>, 5> kDigests = {{
      {"MD5", EVP_md5},
      {"SHA-1", EVP_sha1},
      {"SHA-256", EVP_sha256},
      {"SHA-384", EVP_sha384},
      {"SHA-512", EVP_sha512},
  }};
  for (const auto& [name, digest] : kDigests) {
    if (name == algorithm) return digest();
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> Digest(std::string_view algorithm, std::string_view data) {
  const EVP_MD* md = DigestNamed(algorithm);
  if (md == nullptr) return std::nullopt;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::optional<std::string> DigestHex(std::string_view algorithm, std::string_view data) {
  auto digest = Digest(algorithm, data);
  if (!digest) return std::nullopt;
  return ToHex(*digest);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hpcflow
