// How startExecution's StateMachine(Arn) values are read
// (orchestrator/runtime/state_machine_ref.h): pure, no store.
#include "orchestrator/runtime/state_machine_ref.h"

#include <gtest/gtest.h>

namespace hpcflow::orchestrator {
namespace {

TEST(StateMachineRef, TheIdsHpcflowHandsOutNameTheMachine) {
  StateMachineRef ref = ParseStateMachineRef("hpcflow:stateMachine:Distributor");
  EXPECT_EQ(ref.name, "Distributor");
  EXPECT_EQ(ref.path, "");
  EXPECT_EQ(ParseStateMachineRef(StateMachineId("x-1")).name, "x-1");
}

TEST(StateMachineRef, AwsArnsNameTheMachineWithOrWithoutAQualifier) {
  EXPECT_EQ(ParseStateMachineRef("arn:aws:states:us-east-1:123456789012:stateMachine:Main").name,
            "Main");
  StateMachineRef alias =
      ParseStateMachineRef("arn:aws:states:eu-west-1:123456789012:stateMachine:Main:prod");
  EXPECT_EQ(alias.name, "Main");
  EXPECT_EQ(alias.path, "");
  EXPECT_EQ(ParseStateMachineRef("arn:aws-cn:states:cn-north-1:1:stateMachine:Test").name, "Test");
}

TEST(StateMachineRef, OtherArnsAndPathsAreFiles) {
  StateMachineRef lambda = ParseStateMachineRef("arn:aws:lambda:us-east-1:1:function:f");
  EXPECT_EQ(lambda.name, "");
  EXPECT_EQ(lambda.path, "arn:aws:lambda:us-east-1:1:function:f");
  StateMachineRef file = ParseStateMachineRef("children/child.yaml");
  EXPECT_EQ(file.name, "");
  EXPECT_EQ(file.path, "children/child.yaml");
}

TEST(StateMachineRef, ABareWordIsANameOrAFile) {
  StateMachineRef bare = ParseStateMachineRef("ResultRecorder");
  EXPECT_EQ(bare.name, "ResultRecorder");
  EXPECT_EQ(bare.path, "ResultRecorder");
}

TEST(StateMachineRef, FilesBesideTheParentAreTriedInOrder) {
  auto candidates = StateMachineFileCandidates("/w", "Test");
  ASSERT_EQ(candidates.size(), 4u);
  EXPECT_EQ(candidates[0], "/w/Test.yaml");
  EXPECT_EQ(candidates[3], "/w/Test.asl.json");
}

TEST(StateMachineRef, NamesFollowAwsRules) {
  EXPECT_TRUE(IsValidStateMachineName("TestRunner-Main_2"));
  EXPECT_FALSE(IsValidStateMachineName(""));
  EXPECT_FALSE(IsValidStateMachineName("has space"));
  EXPECT_FALSE(IsValidStateMachineName("a/b"));
  EXPECT_FALSE(IsValidStateMachineName(std::string(81, 'a')));
  EXPECT_TRUE(IsValidStateMachineName(std::string(80, 'a')));
}

}  // namespace
}  // namespace hpcflow::orchestrator
