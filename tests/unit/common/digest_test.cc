// Digests and HMAC on OpenSSL EVP (common/digest.h): FIPS 180-4, RFC 1321
// and RFC 4231 vectors, and the names States.Hash accepts.
#include "common/digest.h"

#include <gtest/gtest.h>

namespace hpcflow {
namespace {

TEST(DigestTest, KnownVectors) {
  EXPECT_EQ(DigestHex("MD5", ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(DigestHex("MD5", "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(DigestHex("SHA-1", "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(DigestHex("SHA-256", "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(DigestHex("SHA-384", "abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(DigestHex("SHA-512", "abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(Digest("SHA-256", "abc")->size(), 32u);
}

TEST(DigestTest, OnlyTheNamesAwsSpells) {
  for (const char* name : {"md5", "SHA256", "sha-256", "SHA-224", "", "SHA-256 "}) {
    EXPECT_FALSE(DigestHex(name, "x")) << name;
  }
}

TEST(DigestTest, HmacSha256Rfc4231) {
  // Test case 2.
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(DigestTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace hpcflow
