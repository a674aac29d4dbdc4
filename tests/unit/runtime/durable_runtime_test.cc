// The durable runtime end to end in one process (tests/unit/runtime/runtime_fixture.h).
#include "orchestrator/runtime/durable_runtime.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/runtime/runtime_fixture.h"

namespace hpcflow::orchestrator {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Every item of the Map waits for its own task token; the fake job of each
// runs `job_ms` (as many at a time as the fake backend has slots) and
// ends on its own, whenever the token comes.
std::string TokenFanOut(int job_ms) {
  Json task = {{"Type", "Task"},
               {"Resource", "hpcflow:::job:run.waitForTaskToken"},
               {"Parameters",
                {{"Command", "fake:duration_ms=" + std::to_string(job_ms)},
                 {"Token.$", "$$.Task.Token"},
                 {"Item.$", "$"}}},
               {"End", true}};
  Json map = {{"Type", "Map"},
              {"ItemsPath", "$.items"},
              {"ItemProcessor", {{"StartAt", "Wait"}, {"States", {{"Wait", task}}}}},
              {"End", true}};
  return DumpJson(Json{{"StartAt", "Fan out"}, {"States", {{"Fan out", map}}}});
}

using DurableRuntimeTest = RuntimeFixture;

// Regression: a token that ends a task while its job still runs leaves the
// job watched (detached); the job's end then closes it. OnJobEnded was
// handed a reference into the job-name map it erases from, and read the
// freed key afterwards (the server's segfault under 10,000 callbacks; the
// AddressSanitizer build reports it at once).
TEST_F(DurableRuntimeTest, TokensBeforeTheirJobsEndCloseEveryJobOnceItEnds) {
  constexpr int kItems = 20;
  Json items = Json::array();
  for (int i = 0; i < kItems; ++i) items.push_back(i);
  std::string id = Start(TokenFanOut(/*job_ms=*/300), {{"items", items}});

  std::vector<std::string> tokens;
  ASSERT_TRUE(WaitFor([&] {
    auto open = reader_->OpenTasks(id);
    if (!open || open->size() != kItems) return false;
    tokens.clear();
    for (const auto& task : *open) {
      if (task.status != "running") return false;
      auto request = ParseJson(task.request);
      if (!request) return false;
      tokens.push_back((*request)["parameters"]["Token"].get<std::string>());
    }
    return true;
  })) << "the jobs were not all submitted";
  ASSERT_EQ(LiveJobs(), static_cast<size_t>(kItems));

  // Sends SendTaskSuccess with `output` for every token; each is answered
  // 200 with `status`.
  auto succeed_each = [&](const Json& output, const std::string& status) {
    for (const auto& token : tokens) {
      CallbackRequest request;
      request.kind = CallbackKind::kSuccess;
      request.token = token;
      request.output = output;
      CallbackReply reply = Callback(request);
      EXPECT_EQ(reply.http_status, 200) << DumpJson(reply.body);
      EXPECT_EQ(reply.body["status"], status) << DumpJson(reply.body);
    }
  };
  succeed_each(Json{{"ok", true}}, "accepted");
  ASSERT_TRUE(WaitFor([&] { return Record(id).status == "SUCCEEDED"; })) << Record(id).status;
  // The jobs ran on after their tasks ended; each end closes its job.
  EXPECT_TRUE(WaitFor([&] { return LiveJobs() == 0; })) << LiveJobs() << " jobs still live";

  // Sent again: each is a duplicate, and changes nothing.
  succeed_each(Json{{"ok", false}}, "duplicate");
  auto record = reader_->GetExecution(id);
  ASSERT_TRUE(record && *record);
  auto output = ParseJson((*record)->output.value_or("null"));
  ASSERT_TRUE(output);
  ASSERT_EQ(output->size(), static_cast<size_t>(kItems));
  for (const auto& item : *output) EXPECT_EQ(item, (Json{{"ok", true}}));
}

// Regression (issue 13, item 7): jobs that waited for one of the machine's
// slots timed out before they ran. Each job here takes every slot for
// 600 ms, so the third waits 1.2 s; TimeoutSeconds 1 counts from when each
// job starts, and all of them succeed. The first job, not queued, keeps the
// timer it had from submission.
TEST_F(DurableRuntimeTest, TimeWaitingForASlotDoesNotCountAgainstTheTimeout) {
  Json job = {{"Type", "Task"},
              {"Resource", "hpcflow:::job:run.sync"},
              {"TimeoutSeconds", 1},
              {"Parameters", {{"Command", "fake:duration_ms=600"}, {"Cpus", 64}}},
              {"ResultSelector", {{"state.$", "$.State"}}},
              {"End", true}};
  Json map = {{"Type", "Map"},
              {"ItemsPath", "$.items"},
              {"ItemProcessor", {{"StartAt", "Job"}, {"States", {{"Job", job}}}}},
              {"End", true}};
  std::string definition = DumpJson(Json{{"StartAt", "Each"}, {"States", {{"Each", map}}}});
  std::string id = Start(definition, {{"items", {1, 2, 3}}});
  ASSERT_TRUE(
      WaitFor([&] { return Record(id).status != "RUNNING" && Record(id).status != "PENDING"; }));
  ExecutionRecord done = Record(id);
  EXPECT_EQ(done.status, "SUCCEEDED") << done.error.value_or("") << ": " << done.cause.value_or("");
  ASSERT_TRUE(done.output);
  EXPECT_EQ(Json::parse(*done.output),
            Json::parse(R"([{"state":"COMPLETED"},{"state":"COMPLETED"},{"state":"COMPLETED"}])"));
  // The two that waited have their queueing and start recorded (replayed
  // after a crash).
  auto inputs = reader_->Inputs(id);
  ASSERT_TRUE(inputs);
  int queued = 0, started = 0;
  for (const auto& in : *inputs) {
    queued += in.kind == "task_queued";
    started += in.kind == "task_started";
  }
  EXPECT_EQ(queued, 2);
  EXPECT_EQ(started, 2);
}

}  // namespace
}  // namespace hpcflow::orchestrator
