#include "orchestrator/runtime/callback_request.h"

#include <gtest/gtest.h>

#include <string>

namespace hpcflow::orchestrator {
namespace {

// The error's cause must mention `needle` (the offending field, usually).
void ExpectInvalid(CallbackKind kind, const std::string& body, const std::string& needle) {
  auto result = ParseCallbackRequest(kind, body);
  ASSERT_FALSE(result) << body;
  EXPECT_EQ(result.error().name, kInvalidCallbackError);
  EXPECT_NE(result.error().cause.find(needle), std::string::npos)
      << "body: " << body << "\ncause: " << result.error().cause;
}

TEST(CallbackRequest, Success) {
  auto r = ParseCallbackRequest(CallbackKind::kSuccess,
                                R"({"token":"tok","output":{"b":[1,2],"a":"x"}})");
  ASSERT_TRUE(r) << r.error().cause;
  EXPECT_EQ(r->kind, CallbackKind::kSuccess);
  EXPECT_EQ(r->token, "tok");
  EXPECT_EQ(DumpJson(r->output), R"({"b":[1,2],"a":"x"})");  // order kept

  for (const char* output : {"null", "3", "\"text\"", "[]", "false"}) {
    auto any = ParseCallbackRequest(CallbackKind::kSuccess,
                                    std::string(R"({"token":"t","output":)") + output + "}");
    ASSERT_TRUE(any) << output;
    EXPECT_EQ(DumpJson(any->output), output);
  }
}

TEST(CallbackRequest, Failure) {
  auto r = ParseCallbackRequest(CallbackKind::kFailure,
                                R"({"token":"t","error":"My.Error","cause":"it broke"})");
  ASSERT_TRUE(r) << r.error().cause;
  EXPECT_EQ(r->error, "My.Error");
  EXPECT_EQ(r->cause, "it broke");
  auto bare = ParseCallbackRequest(CallbackKind::kFailure, R"({"token":"t"})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->error, "");
  EXPECT_EQ(bare->cause, "");
  auto nulls =
      ParseCallbackRequest(CallbackKind::kFailure, R"({"token":"t","error":null,"cause":null})");
  ASSERT_TRUE(nulls);
  // The limits are in characters, not bytes: 256 two-byte characters pass.
  std::string wide;
  for (int i = 0; i < 256; ++i) wide += "é";
  EXPECT_TRUE(
      ParseCallbackRequest(CallbackKind::kFailure, R"({"token":"t","error":")" + wide + "\"}"));
  EXPECT_TRUE(ParseCallbackRequest(CallbackKind::kFailure,
                                   R"({"token":"t","cause":")" + std::string(32768, 'c') + "\"}"));
}

TEST(CallbackRequest, HeartbeatAndJobEnd) {
  auto hb = ParseCallbackRequest(CallbackKind::kHeartbeat, R"({"token":"t"})");
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->kind, CallbackKind::kHeartbeat);
  auto end = ParseCallbackRequest(
      CallbackKind::kJobEnd,
      R"({"token":"t","end":{"kind":"exited","exit_code":3,"signal":0,"start_ms":1,"end_ms":2}})");
  ASSERT_TRUE(end) << end.error().cause;
  EXPECT_EQ(end->job_end["exit_code"], 3);
  auto detail = ParseCallbackRequest(
      CallbackKind::kJobEnd,
      R"({"token":"t","end":{"kind":"lost","exit_code":-1,"signal":9,"start_ms":0,"end_ms":0,)"
      R"("detail":"gone"}})");
  ASSERT_TRUE(detail) << detail.error().cause;
  EXPECT_EQ(detail->job_end["detail"], "gone");
}

TEST(CallbackRequest, NotJsonOrNotAnObject) {
  ExpectInvalid(CallbackKind::kSuccess, "", "not JSON");
  ExpectInvalid(CallbackKind::kSuccess, "{\"token\":", "not JSON");
  ExpectInvalid(CallbackKind::kSuccess, "[1]", "must be a JSON object, not array");
  ExpectInvalid(CallbackKind::kHeartbeat, "\"t\"", "not string");
  ExpectInvalid(CallbackKind::kSuccess,
                R"({"token":"t","output":)" + std::string(600, '[') + std::string(600, ']') + "}",
                "nested deeper");
  ExpectInvalid(CallbackKind::kSuccess, "{\"token\":\"\xff\",\"output\":1}", "not JSON");
}

TEST(CallbackRequest, Token) {
  ExpectInvalid(CallbackKind::kSuccess, R"({"output":1})", "'token' is missing");
  ExpectInvalid(CallbackKind::kHeartbeat, R"({"token":""})", "'token' is empty");
  ExpectInvalid(CallbackKind::kHeartbeat, R"({"token":5})", "'token' must be a string, not number");
  ExpectInvalid(CallbackKind::kFailure, R"({"token":null})", "'token' must be a string");
}

TEST(CallbackRequest, UnknownAndMissingFields) {
  ExpectInvalid(CallbackKind::kSuccess, R"({"token":"t","ouput":1})", "unknown field 'ouput'");
  ExpectInvalid(CallbackKind::kSuccess, R"({"token":"t"})", "'output' is missing");
  ExpectInvalid(CallbackKind::kHeartbeat, R"({"token":"t","output":1})", "unknown field 'output'");
  ExpectInvalid(CallbackKind::kFailure, R"({"token":"t","Error":"x"})", "unknown field 'Error'");
  ExpectInvalid(CallbackKind::kJobEnd, R"({"token":"t"})", "'end' is missing");
}

TEST(CallbackRequest, FailureFields) {
  ExpectInvalid(CallbackKind::kFailure, R"({"token":"t","error":5})",
                "'error' must be a string, not number");
  ExpectInvalid(CallbackKind::kFailure, R"({"token":"t","cause":{}})",
                "'cause' must be a string, not object");
  ExpectInvalid(CallbackKind::kFailure, R"({"token":"t","error":")" + std::string(257, 'e') + "\"}",
                "'error' is 257 characters long; at most 256");
  ExpectInvalid(CallbackKind::kFailure,
                R"({"token":"t","cause":")" + std::string(32769, 'c') + "\"}",
                "'cause' is 32769 characters long; at most 32768");
}

TEST(CallbackRequest, JobEndFields) {
  auto body = [](const std::string& end) { return R"({"token":"t","end":)" + end + "}"; };
  const std::string rest = R"("signal":0,"start_ms":1,"end_ms":2)";
  ExpectInvalid(CallbackKind::kJobEnd, body("[]"), "'end' must be an object, not array");
  ExpectInvalid(CallbackKind::kJobEnd, body(R"({"exit_code":0,)" + rest + "}"), "'end.kind'");
  ExpectInvalid(CallbackKind::kJobEnd, body(R"({"kind":"exploded","exit_code":0,)" + rest + "}"),
                "unknown value 'exploded'");
  ExpectInvalid(CallbackKind::kJobEnd, body(R"({"kind":"exited",)" + rest + "}"),
                "'end.exit_code' is missing");
  ExpectInvalid(CallbackKind::kJobEnd, body(R"({"kind":"exited","exit_code":"0",)" + rest + "}"),
                "'end.exit_code' must be an integer, not string");
  ExpectInvalid(CallbackKind::kJobEnd, body(R"({"kind":"exited","exit_code":1.5,)" + rest + "}"),
                "'end.exit_code' must be an integer");
  ExpectInvalid(CallbackKind::kJobEnd,
                body(R"({"kind":"exited","exit_code":0,"detail":7,)" + rest + "}"),
                "'end.detail' must be a string");
  ExpectInvalid(CallbackKind::kJobEnd,
                body(R"({"kind":"exited","exit_code":0,"extra":1,)" + rest + "}"),
                "unknown field 'end.extra'");
  ExpectInvalid(CallbackKind::kJobEnd,
                body(R"({"kind":"exited","exit_code":99999999999,)" + rest + "}"),
                "'end.exit_code' is out of range");
}

TEST(CallbackRequest, IntegersBeyond64BitsAreRefusedNotRounded) {
  ExpectInvalid(CallbackKind::kSuccess,
                R"({"token": "t", "output": {"n": 123456789012345678901234567890}})",
                "does not fit in 64 bits");
  ExpectInvalid(CallbackKind::kSuccess, R"({"token": "t", "output": [-9223372036854775809]})",
                "-9223372036854775809");
  ExpectInvalid(CallbackKind::kSuccess, R"({"token": "t", "output": 18446744073709551616})",
                "18446744073709551616");
  // What fits, floating point, and digits inside strings pass.
  for (const char* body :
       {R"({"token": "t", "output": [18446744073709551615, -9223372036854775808, 0]})",
        R"({"token": "t", "output": [1e300, 1.5, 123456789012345678901234567890.0]})",
        R"({"token": "t", "output": "123456789012345678901234567890"})",
        R"({"token": "123456789012345678901234567890", "output": {}})"}) {
    EXPECT_TRUE(ParseCallbackRequest(CallbackKind::kSuccess, body)) << body;
  }
}

TEST(CallbackRequest, JobEndCarriesTheReportKey) {
  auto r = ParseCallbackRequest(
      CallbackKind::kJobEnd,
      R"({"token": "t", "key": "k1", "end": {"kind": "exited", "exit_code": 0, "signal": 0,
          "start_ms": 1, "end_ms": 2}})");
  ASSERT_TRUE(r) << r.error().cause;
  EXPECT_EQ(r->report_key, "k1");
  ExpectInvalid(CallbackKind::kJobEnd,
                R"({"token": "t", "key": 5, "end": {"kind": "exited", "exit_code": 0,
                    "signal": 0, "start_ms": 1, "end_ms": 2}})",
                "key");
}

}  // namespace
}  // namespace hpcflow::orchestrator
