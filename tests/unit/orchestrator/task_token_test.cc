#include "orchestrator/runtime/task_token.h"

#include <gtest/gtest.h>

#include <string>

namespace hpcflow::orchestrator {
namespace {

const std::string kSecret = "3f1c0a9e5b7d2468ace0135792468ace0135792468ace0135792468ace01357";

TokenClaims Sample() {
  TokenClaims claims;
  claims.execution_id = "exec-0f3a";
  claims.state = "Align reads ü";
  claims.task_id = 123456789012345ull;
  claims.attempt = 3;
  claims.item = 99999;
  return claims;
}

TEST(TaskToken, RoundTrip) {
  std::string token = SignTaskToken(kSecret, Sample());
  auto claims = VerifyTaskToken(kSecret, token);
  ASSERT_TRUE(claims) << claims.error().cause;
  EXPECT_EQ(*claims, Sample());
}

TEST(TaskToken, RoundTripDefaults) {
  auto claims = VerifyTaskToken(kSecret, SignTaskToken(kSecret, TokenClaims{}));
  ASSERT_TRUE(claims) << claims.error().cause;
  EXPECT_EQ(claims->item, -1);
  EXPECT_EQ(*claims, TokenClaims{});
}

TEST(TaskToken, DeterministicAndBoundToClaims) {
  EXPECT_EQ(SignTaskToken(kSecret, Sample()), SignTaskToken(kSecret, Sample()));
  TokenClaims other = Sample();
  other.attempt = 4;
  EXPECT_NE(SignTaskToken(kSecret, Sample()), SignTaskToken(kSecret, other));
  other = Sample();
  other.item = 100000;
  EXPECT_NE(SignTaskToken(kSecret, Sample()), SignTaskToken(kSecret, other));
}

TEST(TaskToken, UrlSafeWithoutPaddingOrSpaces) {
  std::string token = SignTaskToken(kSecret, Sample());
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    EXPECT_TRUE(ok) << "character '" << c << "' in " << token;
  }
}

TEST(TaskToken, EverySingleByteAlterationIsRefused) {
  std::string token = SignTaskToken(kSecret, Sample());
  int checked = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    for (int b = 0; b < 256; ++b) {
      if (static_cast<char>(b) == token[i]) continue;
      std::string altered = token;
      altered[i] = static_cast<char>(b);
      auto result = VerifyTaskToken(kSecret, altered);
      ASSERT_FALSE(result) << "altered byte " << i << " to " << b << " was accepted";
      EXPECT_EQ(result.error().name, kInvalidTokenError);
      ++checked;
    }
    std::string removed = token;
    removed.erase(i, 1);
    EXPECT_FALSE(VerifyTaskToken(kSecret, removed)) << "byte " << i << " removed";
    std::string inserted = token;
    inserted.insert(i, 1, 'A');
    EXPECT_FALSE(VerifyTaskToken(kSecret, inserted)) << "byte inserted at " << i;
  }
  EXPECT_FALSE(VerifyTaskToken(kSecret, token + "A"));
  EXPECT_GT(checked, 10000);
}

TEST(TaskToken, WrongSecretIsRefused) {
  std::string token = SignTaskToken(kSecret, Sample());
  std::string other = kSecret;
  other[0] = '4';
  auto result = VerifyTaskToken(other, token);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().name, kInvalidTokenError);
  EXPECT_FALSE(VerifyTaskToken("", token));
}

TEST(TaskToken, EmptyHugeAndGarbageAreRefused) {
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string("abc"),
        std::string("abc.def"), std::string("a.b.c"), std::string("{\"e\":\"x\"}"),
        std::string(5000, 'A') + "." + std::string(43, 'A'), std::string("\0\0.\0", 4),
        std::string("eyJlIjoiIn0.") + std::string(43, 'A')}) {
    auto result = VerifyTaskToken(kSecret, bad);
    ASSERT_FALSE(result) << bad.substr(0, 40);
    EXPECT_EQ(result.error().name, kInvalidTokenError);
  }
  std::string huge = SignTaskToken(kSecret, Sample()) + std::string(kMaxTaskTokenBytes, 'A');
  auto result = VerifyTaskToken(kSecret, huge);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().cause.find("longer than"), std::string::npos);
}

TEST(TaskToken, CauseDoesNotEchoTheToken) {
  std::string token = SignTaskToken(kSecret, Sample());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  auto result = VerifyTaskToken(kSecret, token);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().cause.find(token.substr(0, 20)), std::string::npos);
}

TEST(JobReportKey, BoundToTheTokenAndTheSecret) {
  std::string token = SignTaskToken(kSecret, Sample());
  std::string key = JobReportKey(kSecret, token);
  EXPECT_TRUE(CheckJobReportKey(kSecret, token, key));
  EXPECT_EQ(key, JobReportKey(kSecret, token));  // the same after a replay
  EXPECT_NE(key, token);
  EXPECT_FALSE(CheckJobReportKey(kSecret, token, ""));
  EXPECT_FALSE(CheckJobReportKey(kSecret, token, token));
  EXPECT_FALSE(CheckJobReportKey(kSecret, token, key.substr(1)));
  TokenClaims other = Sample();
  other.attempt = 4;
  EXPECT_FALSE(CheckJobReportKey(kSecret, SignTaskToken(kSecret, other), key));
  std::string other_secret(kSecret.rbegin(), kSecret.rend());
  EXPECT_FALSE(CheckJobReportKey(other_secret, token, key));
  EXPECT_FALSE(CheckJobReportKey("", token, key));
}

}  // namespace
}  // namespace hpcflow::orchestrator
