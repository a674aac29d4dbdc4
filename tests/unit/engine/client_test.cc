// hpcflow::Client against a real `hpcflow server` it starts for a fresh
// state directory; the server is stopped by its pid afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "hpcflow/hpcflow.h"

namespace {

using namespace std::chrono_literals;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hpcflow-client-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    state_ = dir_ + "/state";
  }
  void TearDown() override {
    // The server writes its pid on the first line of its lock file.
    std::ifstream lock(state_ + "/server.lock");
    pid_t pid = 0;
    if (lock >> pid && pid > 0) {
      kill(pid, SIGTERM);
      for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
      if (kill(pid, 0) == 0) kill(pid, SIGKILL);
    }
    std::filesystem::remove_all(dir_);
  }
  std::string dir_, state_;
};

TEST_F(ClientTest, NoServerIsNotRunningUnlessAskedToStartOne) {
  hpcflow::ClientOptions options;
  options.state_dir = state_;
  auto client = hpcflow::Client::Connect(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().name, "NotRunning");
}

TEST_F(ClientTest, RunsExecutionsOnTheServer) {
  hpcflow::ClientOptions options;
  options.state_dir = state_;
  options.start_server = true;
  options.hpcflow_binary = HPCFLOW_BINARY;
  auto connected = hpcflow::Client::Connect(options);
  ASSERT_TRUE(connected) << connected.error().name << ": " << connected.error().cause;
  hpcflow::Client& client = **connected;
  EXPECT_EQ(client.url().rfind("http://", 0), 0u);

  hpcflow::StartRequest request;
  request.definition = R"({"StartAt": "P", "States": {"P": {"Type": "Pass",
    "Result": {"via": "server"}, "End": true}}})";
  request.name = "from-client";
  request.input = R"({"n":7})";
  auto id = client.Start(request);
  ASSERT_TRUE(id) << id.error().name << ": " << id.error().cause;
  auto done = client.Wait("from-client", 20s);
  ASSERT_TRUE(done) << done.error().cause;
  EXPECT_EQ(done->id, *id);
  EXPECT_EQ(done->status, "SUCCEEDED");
  EXPECT_EQ(done->output.value_or(""), R"({"via":"server"})");
  EXPECT_GT(done->stop_ms, 0);
  auto described = client.Describe(*id);
  ASSERT_TRUE(described) << described.error().cause;
  EXPECT_EQ(described->input, R"({"n":7})");
  auto again = client.Start(request);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().name, "ExecutionAlreadyExists");
  auto history = client.History(*id);
  ASSERT_TRUE(history);
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->back().type, "ExecutionSucceeded");
  auto listed = client.List();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
  auto missing = client.Describe("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().name, "NotFound");

  request.definition = "{\"StartAt\": \"X\", \"States\": {}}";
  request.name.clear();
  auto invalid = client.Start(request);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().name, "hpcflow.InvalidDefinition");

  request.definition = R"({"StartAt": "W", "States": {"W": {"Type": "Wait",
    "Seconds": 3600, "End": true}}})";
  auto waiting = client.Start(request);
  ASSERT_TRUE(waiting);
  auto timeout = client.Wait(*waiting, 200ms);
  ASSERT_FALSE(timeout);
  EXPECT_EQ(timeout.error().name, "Timeout");
  ASSERT_TRUE(client.Stop(*waiting, "Pipeline.Cancelled", "no longer needed"));
  auto stopped = client.Wait(*waiting, 10s);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status, "ABORTED");
  EXPECT_EQ(stopped->error.value_or(""), "Pipeline.Cancelled");

  // Redriven through the server: it runs again under the same id.
  ASSERT_TRUE(client.Redrive(*waiting));
  auto redriven = client.Describe(*waiting);
  ASSERT_TRUE(redriven);
  EXPECT_EQ(redriven->status, "RUNNING");
  EXPECT_EQ(redriven->redrive_count, 1);
  auto twice = client.Redrive(*waiting);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().cause.find("RUNNING"), std::string::npos) << twice.error().cause;
  ASSERT_TRUE(client.Stop(*waiting));

  // A registered state machine, started by its ARN alone: the server reads
  // the registry.
  const std::string file = dir_ + "/sm.json";
  std::ofstream(file) << R"({"StartAt": "P", "States": {"P": {"Type": "Pass",
    "Parameters": {"machine.$": "$$.StateMachine.Name"}, "End": true}}})";
  std::string command =
      std::string(HPCFLOW_BINARY) + " register Named " + file + " --state-dir " + state_;
  ASSERT_EQ(std::system(command.c_str()), 0);
  hpcflow::StartRequest by_name;
  by_name.state_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Named";
  auto named = client.Start(by_name);
  ASSERT_TRUE(named) << named.error().name << ": " << named.error().cause;
  auto named_done = client.Wait(*named, 20s);
  ASSERT_TRUE(named_done);
  EXPECT_EQ(named_done->output.value_or(""), R"({"machine":"Named"})");
  by_name.state_machine = "Nowhere";
  auto unknown = client.Start(by_name);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().cause.find("Nowhere"), std::string::npos);

  auto forged = client.SendTaskSuccess("not-a-token", "{}");
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().name, "InvalidToken");
}

}  // namespace
