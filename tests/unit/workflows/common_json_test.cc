// common/json.h: parsing limits that protect every JSON consumer.
#include <string>

#include <gtest/gtest.h>

#include "common/json.h"

namespace hpcflow {
namespace {

TEST(CommonJsonTest, ParsesOrdinaryDocuments) {
  auto value = ParseJson(R"({"a":[1,{"b":"[[["}],"c":"\"{"})");
  ASSERT_TRUE(value);
  EXPECT_EQ((*value)["a"][1]["b"], "[[[");
}

TEST(CommonJsonTest, RefusesDeepNestingWithoutRecursing) {
  // Found by fuzzing: a deep scan over 20,000 nested arrays grew with the
  // square of the depth, and a million levels overflowed nlohmann's stack.
  for (int depth : {513, 20'000, 1'000'000}) {
    std::string text(depth, '[');
    text += std::string(depth, ']');
    auto value = ParseJson(text);
    ASSERT_FALSE(value) << depth;
    EXPECT_NE(value.error().cause.find("nested deeper than 512"), std::string::npos);
  }
  std::string ok(512, '[');
  ok += std::string(512, ']');
  EXPECT_TRUE(ParseJson(ok));
}

TEST(CommonJsonTest, MalformedTextIsAnErrorWithItsPlace) {
  auto value = ParseJson("{\"a\": [1, 2,]}");
  ASSERT_FALSE(value);
  EXPECT_NE(value.error().cause.find("line 1"), std::string::npos) << value.error().cause;
}

}  // namespace
}  // namespace hpcflow
