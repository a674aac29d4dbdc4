// Task resource URIs are parsed once, into what the runtime dispatches on.
#include "orchestrator/runtime/task_resource.h"

#include <gtest/gtest.h>

namespace hpcflow::orchestrator {
namespace {

TEST(TaskResourceTest, JobsChildrenAndFunctionsWithTheirSuffixes) {
  auto job = ParseTaskResource("hpcflow:::slurm:run.sync");
  ASSERT_TRUE(job);
  EXPECT_TRUE(job->IsJob());
  EXPECT_EQ(job->service, "slurm");
  EXPECT_EQ(job->wait, WaitMode::kSync);

  auto child = ParseTaskResource("hpcflow:::states:startExecution.sync:2");
  ASSERT_TRUE(child);
  EXPECT_TRUE(child->IsChild());
  EXPECT_FALSE(child->IsJob());
  EXPECT_TRUE(child->sync2);

  // AWS's name for the same integration, in an unchanged definition.
  for (const char* aws :
       {"arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::states:startExecution.sync", "arn:aws:states:::states:startExecution"}) {
    auto same = ParseTaskResource(aws);
    ASSERT_TRUE(same) << aws;
    EXPECT_TRUE(same->IsChild()) << aws;
    EXPECT_EQ(same->action, "startExecution");
  }
  EXPECT_TRUE(ParseTaskResource("arn:aws:states:::states:startExecution.sync:2")->sync2);
  EXPECT_FALSE(ParseTaskResource("arn:aws:states:::lambda:invoke"));
  EXPECT_FALSE(ParseTaskResource("arn:aws:states:::states:run"));

  auto function = ParseTaskResource("hpcflow:::function:score_v2");
  ASSERT_TRUE(function);
  EXPECT_TRUE(function->IsFunction());
  EXPECT_FALSE(function->IsJob());
  EXPECT_EQ(function->action, "score_v2");
  EXPECT_EQ(function->wait, WaitMode::kRequestResponse);

  auto token = ParseTaskResource("hpcflow:::function:enqueue.waitForTaskToken");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->action, "enqueue");
  EXPECT_EQ(token->wait, WaitMode::kTaskToken);
}

TEST(TaskResourceTest, RefusesWhatItCannotRunWithTheReason) {
  for (const char* uri :
       {"arn:aws:lambda:us-east-1:1:function:f", "hpcflow:::jobs:run", "hpcflow:::job:run.async",
        "hpcflow:::function:", "hpcflow:::function:a/b", "hpcflow:::function:x.sync"}) {
    auto parsed = ParseTaskResource(uri);
    ASSERT_FALSE(parsed) << uri;
    EXPECT_EQ(parsed.error().name, "hpcflow.UnsupportedResource") << uri;
    EXPECT_NE(parsed.error().cause.find(uri), std::string::npos) << uri;
  }
  EXPECT_NE(ParseTaskResource("hpcflow:::function:x.sync").error().cause.find(".sync is not for"),
            std::string::npos);
}

TEST(TaskResourceTest, FunctionNames) {
  EXPECT_TRUE(IsValidFunctionName("a-b_C9"));
  EXPECT_FALSE(IsValidFunctionName(""));
  EXPECT_FALSE(IsValidFunctionName("a.b"));
  EXPECT_FALSE(IsValidFunctionName("a:b"));
  EXPECT_FALSE(IsValidFunctionName(std::string(81, 'a')));
}

}  // namespace
}  // namespace hpcflow::orchestrator
