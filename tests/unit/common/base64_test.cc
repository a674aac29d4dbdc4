// The one base64 (common/base64.h): RFC 4648 vectors, AWS's lenient decode,
// and the canonical-only base64url that task tokens rely on.
#include "common/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace hpcflow {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64DecodeLenient(encoded), plain);
  }
}

TEST(Base64Test, EncodesEveryByteAndRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string bytes = all.substr(0, n);
    EXPECT_EQ(Base64DecodeLenient(Base64Encode(bytes)), bytes) << n;
    auto url = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(url) << n;
    EXPECT_EQ(*url, bytes);
  }
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff", 2)), "+/8=");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff", 2)), "-_8");
}

TEST(Base64Test, LenientDecodeSkipsStopsAndDropsAsAwsDoes) {
  EXPECT_EQ(Base64DecodeLenient("Zm9v\nYmFy"), "foobar");             // whitespace skipped
  EXPECT_EQ(Base64DecodeLenient("Zm9v!YmFy"), "foobar");              // so is anything else
  EXPECT_EQ(Base64DecodeLenient("Zm8=Zm9v"), "fo");                   // the first '=' ends it
  EXPECT_EQ(Base64DecodeLenient("Zm9vYg"), "foob");                   // padding is optional
  EXPECT_EQ(Base64DecodeLenient("Zm9vY"), "foo");                     // a lone 6 bits are dropped
  EXPECT_EQ(Base64DecodeLenient("-_8"), std::string("\xfb\xff", 2));  // URL-safe accepted
  EXPECT_EQ(Base64DecodeLenient("!!!"), "");
}

TEST(Base64Test, UrlDecodeAcceptsOnlyTheCanonicalSpelling) {
  EXPECT_EQ(Base64UrlDecode("Zm9vYg"), "foob");
  EXPECT_FALSE(Base64UrlDecode("Zm9vYh"));    // low bits set: another spelling of "foob"
  EXPECT_FALSE(Base64UrlDecode("Zm9vYg=="));  // padding
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));     // 4k+1 characters
  EXPECT_FALSE(Base64UrlDecode("+/8"));       // the standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
  EXPECT_EQ(Base64UrlDecode(""), "");
}

}  // namespace
}  // namespace hpcflow
