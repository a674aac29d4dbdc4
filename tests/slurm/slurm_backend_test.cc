// SlurmBackend against a real Slurm cluster (the throwaway one of
// contrib/slurm-test-cluster, found through SLURM_CONF), with the real
// `hpcflow job-wrapper` running every job. No orchestrator, no mocks: what
// the backend reports is checked against the job directories and against
// what squeue itself says.
#include "backends/slurm/slurm_backend.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "backends/slurm/command_runner.h"
#include "backends/slurm/job_markers.h"
#include "backends/slurm/sbatch_script.h"
#include "backends/slurm/slurm_parse.h"
#include "common/json.h"

namespace hpcflow::backends {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Kind = JobEnd::Kind;

class SlurmBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hpcflow-slurm-backend.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    SlurmBackendOptions options;
    options.hpcflow_binary = HPCFLOW_BINARY;
    backend_ = std::make_unique<SlurmBackend>(options);
  }

  void TearDown() override {
    // Nothing of this test may keep running on the shared cluster.
    if (!submitted_.empty()) backend_->Cancel(submitted_);
    std::error_code ec;
    if (!HasFailure())
      fs::remove_all(root_, ec);
    else
      std::cerr << "kept job directories in " << root_ << "\n";
  }

  JobSpec Spec(const std::string& name, const std::string& command) {
    JobSpec spec;
    spec.name = "hpcflow-test." + fs::path(root_).filename().string() + "." + name;
    spec.job_dir = root_ + "/" + name;
    spec.shell_command = command;
    spec.time_limit_s = 300;
    return spec;
  }

  std::vector<JobSpec> Specs(const std::string& prefix, int n, const std::string& command) {
    std::vector<JobSpec> specs;
    for (int i = 0; i < n; ++i) specs.push_back(Spec(prefix + std::to_string(i), command));
    return specs;
  }

  std::vector<JobHandle> Submit(const std::vector<JobSpec>& specs, int max_concurrent = 0) {
    auto handles = backend_->Submit(specs, {max_concurrent});
    EXPECT_TRUE(handles.has_value()) << handles.error().name << ": " << handles.error().cause;
    if (!handles) return {};
    submitted_.insert(submitted_.end(), handles->begin(), handles->end());
    return *handles;
  }

  // Reconciles until every job ended (or the timeout), calling `observe`
  // between rounds.
  std::vector<JobStatus> WaitForEnd(const std::vector<JobHandle>& handles, int timeout_s,
                                    const std::function<void()>& observe = nullptr) {
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::vector<JobStatus> statuses;
    while (true) {
      if (observe) observe();
      statuses = backend_->Reconcile(handles);
      bool all_ended = std::all_of(statuses.begin(), statuses.end(), [](const JobStatus& s) {
        return s.kind == JobStatus::Kind::kEnded;
      });
      if (all_ended) return statuses;
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "jobs not ended after " << timeout_s << " s";
        return statuses;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  int64_t Count(const std::string& command) {
    auto counts = backend_->CommandCounts();
    auto it = counts.find(command);
    return it == counts.end() ? 0 : it->second;
  }

  std::string root_;
  std::unique_ptr<SlurmBackend> backend_;
  std::vector<JobHandle> submitted_;
};

// squeue's own view, independent of the backend: state per element.
std::map<std::string, std::string> SqueueStates(const std::string& array_id) {
  auto out = slurm::RunCommand(
      {"squeue", "--noheader", "--array", "--states=all", "--jobs=" + array_id, "--format=%i %T"},
      30000);
  std::map<std::string, std::string> states;
  if (!out || out->exit_code != 0) return states;
  std::istringstream in(out->out);
  std::string id, state;
  while (in >> id >> state) states[id] = state;
  return states;
}

// The largest number of jobs whose wrapper-recorded [start, end] overlap.
int MaxOverlap(const std::vector<JobHandle>& handles) {
  std::vector<std::pair<int64_t, int>> events;
  for (const auto& h : handles) {
    auto end = slurm::ReadWrapperEnd(h.job_dir);
    if (!end) continue;
    events.push_back({end->start_ms, 1});
    events.push_back({end->end_ms, -1});
  }
  std::sort(events.begin(), events.end());  // at equal times, ends (-1) first
  int current = 0, max = 0;
  for (const auto& [t, delta] : events) {
    current += delta;
    max = std::max(max, current);
  }
  return max;
}

std::string FileText(const std::string& path) {
  auto text = ReadFile(path);
  return text ? *text : "(unreadable: " + text.error().cause + ")";
}

TEST_F(SlurmBackendTest, SingleJobEndsWithItsExitRecord) {
  JobSpec spec = Spec("single", "echo \"hello $GREETING\"");
  spec.environment = {{"GREETING", "it's me"}};
  auto handles = Submit({spec});
  ASSERT_EQ(handles.size(), 1u);
  EXPECT_EQ(slurm::SplitSlurmJobId(handles[0].job_id).index, -1) << handles[0].job_id;
  EXPECT_EQ(Count("sbatch"), 1);
  auto statuses = WaitForEnd(handles, 120);
  ASSERT_EQ(statuses[0].kind, JobStatus::Kind::kEnded);
  EXPECT_EQ(statuses[0].end.kind, Kind::kExited) << statuses[0].end.detail;
  EXPECT_EQ(statuses[0].end.exit_code, 0);
  EXPECT_GT(statuses[0].end.end_ms, 0);
  EXPECT_TRUE(fs::exists(spec.job_dir + "/exit"));
  EXPECT_EQ(FileText(spec.job_dir + "/stdout"), "hello it's me\n");
  EXPECT_EQ(slurm::ReadJobIdMarker(spec.job_dir), handles[0].job_id);
  EXPECT_TRUE(fs::exists(spec.job_dir + "/spec.json"));
}

// A job that ends while Reconcile is between reading the job directory and
// asking squeue must come out as its wrapper recorded it: neither lost
// ("COMPLETED but no end") nor, if it had not started at the first read,
// submitted again. The squeue of this test answers only once Slurm reports
// the job ended, which makes that window certain.
TEST_F(SlurmBackendTest, AJobEndingDuringReconcileIsNotLostOrRunAgain) {
  const std::string bin = root_ + "/bin";
  fs::create_directories(bin);
  for (const char* command : {"sbatch", "scancel", "scontrol", "sacct"}) {
    auto real = slurm::RunCommand({"sh", "-c", std::string("command -v ") + command}, 10000);
    ASSERT_TRUE(real && real->exit_code == 0) << command << " not found";
    std::string path = real->out.substr(0, real->out.find('\n'));
    fs::create_symlink(path, bin + "/" + command);
  }
  auto real_squeue = slurm::RunCommand({"sh", "-c", "command -v squeue"}, 10000);
  ASSERT_TRUE(real_squeue && real_squeue->exit_code == 0);
  std::string squeue = real_squeue->out.substr(0, real_squeue->out.find('\n'));
  ASSERT_TRUE(WriteFileAtomically(bin + "/squeue",
                                  "#!/bin/sh\n"
                                  "for i in $(seq 600); do\n"
                                  "  out=$(" +
                                      squeue +
                                      " \"$@\")\n"
                                      "  case \"$out\" in *COMPLETED*) break;; esac\n"
                                      "  sleep 0.1\n"
                                      "done\n"
                                      "printf '%s\\n' \"$out\"\n"));
  fs::permissions(bin + "/squeue", fs::perms::owner_all);
  SlurmBackendOptions options;
  options.hpcflow_binary = HPCFLOW_BINARY;
  options.bin_dir = bin;
  backend_ = std::make_unique<SlurmBackend>(options);
  JobSpec spec = Spec("racing", "echo once >> " + root_ + "/racing.runs");
  auto handles = Submit({spec});
  ASSERT_EQ(handles.size(), 1u);
  // Asked at once: the job has not started when its directory is read.
  auto statuses = backend_->Reconcile(handles);
  ASSERT_EQ(statuses.size(), 1u);
  ASSERT_EQ(statuses[0].kind, JobStatus::Kind::kEnded) << "squeue answered before the end";
  EXPECT_EQ(statuses[0].end.kind, Kind::kExited) << statuses[0].end.detail;
  EXPECT_EQ(statuses[0].end.exit_code, 0);
  EXPECT_EQ(Count("sbatch"), 1) << "submitted again";
  EXPECT_EQ(FileText(root_ + "/racing.runs"), "once\n");
}

TEST_F(SlurmBackendTest, ArrayOf200ThrottledTo20) {
  auto specs = Specs("item", 200, "sleep 0.5");
  auto handles = Submit(specs, 20);
  ASSERT_EQ(handles.size(), 200u);
  EXPECT_EQ(Count("sbatch"), 1);
  std::string array_id = slurm::SplitSlurmJobId(handles[0].job_id).base;
  for (size_t i = 0; i < handles.size(); ++i) {
    EXPECT_EQ(handles[i].job_id, array_id + "_" + std::to_string(i));
  }
  int max_running = 0;
  int64_t squeue_before = Count("squeue");
  int rounds = 0;
  auto statuses = WaitForEnd(handles, 240, [&] {
    int running = 0;
    for (const auto& [id, state] : SqueueStates(array_id)) running += state == "RUNNING";
    max_running = std::max(max_running, running);
    ++rounds;
  });
  // One batched query per Reconcile of 200 jobs, never one per job.
  EXPECT_LE(Count("squeue") - squeue_before, rounds);
  for (size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_EQ(statuses[i].end.kind, Kind::kExited) << i << ": " << statuses[i].end.detail;
    EXPECT_EQ(statuses[i].end.exit_code, 0) << i;
    EXPECT_TRUE(fs::exists(specs[i].job_dir + "/exit")) << i;
  }
  std::cout << "max RUNNING seen in squeue: " << max_running
            << "; max overlap of recorded runs: " << MaxOverlap(handles) << "\n";
  EXPECT_LE(max_running, 20);
  EXPECT_LE(MaxOverlap(handles), 20);
  EXPECT_GE(max_running, 5) << "the throttle was never approached; is the node big enough?";
}

TEST_F(SlurmBackendTest, FailingElementIsReportedWithItsExitCode) {
  auto specs = Specs("el", 3, "exit 0");
  specs[1].shell_command = "echo failing >&2; exit 3";
  auto handles = Submit(specs);
  auto statuses = WaitForEnd(handles, 120);
  EXPECT_EQ(statuses[0].end.exit_code, 0);
  EXPECT_EQ(statuses[1].end.kind, Kind::kExited);
  EXPECT_EQ(statuses[1].end.exit_code, 3);
  EXPECT_EQ(statuses[2].end.exit_code, 0);
  EXPECT_EQ(FileText(specs[1].job_dir + "/stderr"), "failing\n");
}

TEST_F(SlurmBackendTest, JobOverItsTimeLimitTimesOut) {
  JobSpec spec = Spec("slow", "sleep 600");
  spec.time_limit_s = 60;  // --time=1; Slurm checks limits about every 30 s
  auto handles = Submit({spec});
  auto statuses = WaitForEnd(handles, 200);
  // Whoever stops it first, the job wrapper (which enforces the same limit)
  // or Slurm (state TIMEOUT), it is a timeout.
  EXPECT_EQ(statuses[0].end.kind, Kind::kTimedOut) << statuses[0].end.detail;
}

TEST_F(SlurmBackendTest, ElementCancelledFromOutside) {
  auto specs = Specs("c", 3, "sleep 120");
  auto handles = Submit(specs);
  // Wait until element 1 runs, then scancel it behind the backend's back.
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline &&
         backend_->Reconcile({handles[1]})[0].kind != JobStatus::Kind::kRunning) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  auto out = slurm::RunCommand({"scancel", handles[1].job_id}, 30000);
  ASSERT_TRUE(out && out->exit_code == 0);
  auto statuses = WaitForEnd({handles[1]}, 60);
  EXPECT_EQ(statuses[0].end.kind, Kind::kCancelled) << statuses[0].end.detail;
  // The others still run; cancelling them twice is fine, with one scancel each time.
  EXPECT_EQ(backend_->Reconcile({handles[0]})[0].kind, JobStatus::Kind::kRunning);
  int64_t scancels = Count("scancel");
  backend_->Cancel({handles[0], handles[2]});
  backend_->Cancel({handles[0], handles[2]});
  EXPECT_EQ(Count("scancel") - scancels, 2);
  for (const auto& status : WaitForEnd(handles, 60)) {
    EXPECT_EQ(status.end.kind, Kind::kCancelled) << status.end.detail;
  }
}

TEST_F(SlurmBackendTest, PendingElementCancelledIsCancelledNotLost) {
  // Throttle 1: element 2 is still pending when cancelled, and Slurm then
  // forgets it entirely.
  auto specs = Specs("p", 3, "sleep 60");
  auto handles = Submit(specs, 1);
  backend_->Cancel({handles[2]});
  auto statuses = WaitForEnd({handles[2]}, 30);
  EXPECT_EQ(statuses[0].end.kind, Kind::kCancelled) << statuses[0].end.detail;
  backend_->Cancel(handles);
  for (const auto& status : WaitForEnd(handles, 60)) {
    EXPECT_EQ(status.end.kind, Kind::kCancelled) << status.end.detail;
  }
}

TEST_F(SlurmBackendTest, SubmitAgainAdoptsInsteadOfResubmitting) {
  auto specs = Specs("a", 3, "sleep 1");
  for (auto& spec : specs) spec.sbatch_args = {"--hold"};  // stay pending
  auto first = Submit(specs);
  ASSERT_EQ(first.size(), 3u);
  auto counts = backend_->CommandCounts();

  // Markers present: adopted without a single Slurm command.
  auto again = backend_->Submit(specs, {});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(backend_->CommandCounts(), counts);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*again)[i].job_id, first[i].job_id);

  // The crash window: sbatch went through, the markers were never written.
  // A new backend (a restarted orchestrator) finds the array by its name.
  for (const auto& spec : specs) fs::remove(spec.job_dir + "/" + slurm::kJobIdFile);
  SlurmBackendOptions options;
  options.hpcflow_binary = HPCFLOW_BINARY;
  SlurmBackend restarted(options);
  auto adopted = restarted.Submit(specs, {});
  ASSERT_TRUE(adopted.has_value()) << adopted.error().cause;
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*adopted)[i].job_id, first[i].job_id);
  auto restarted_counts = restarted.CommandCounts();
  EXPECT_EQ(restarted_counts["sbatch"], 0);
  EXPECT_EQ(restarted_counts["squeue"], 1);
  EXPECT_EQ(slurm::ReadJobIdMarker(specs[2].job_dir), first[2].job_id);

  backend_->Cancel(first);
  backend_->Cancel(first);
}

// A Submit that Slurm refuses in part accepts nothing: the array it had
// already submitted is withdrawn, and a later Submit starts afresh.
TEST_F(SlurmBackendTest, RefusedSubmitLeavesNothingAccepted) {
  auto specs = Specs("r", 3, "sleep 30");
  specs[2].partition = "no-such-partition";
  auto result = backend_->Submit(specs, {});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().name, "slurm");
  EXPECT_NE(result.error().cause.find("partition"), std::string::npos) << result.error().cause;
  EXPECT_EQ(Count("sbatch"), 2);
  EXPECT_FALSE(slurm::ReadJobIdMarker(specs[0].job_dir).has_value());
  EXPECT_FALSE(slurm::ReadSubmitIntent(specs[0].job_dir).has_value());
  // The withdrawn array: cancelled (or already gone) in squeue. Elements
  // that had started pass through COMPLETING while their processes stop.
  std::vector<std::string> states;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (true) {
    auto out = slurm::RunCommand(
        {"squeue", "--noheader", "--array", "--states=all",
         "--name=" + slurm::ArrayJobName({specs[0].name, specs[1].name}), "--format=%T"},
        30000);
    ASSERT_TRUE(out.has_value());
    std::istringstream words(out->out);
    states.clear();
    for (std::string state; words >> state;) states.push_back(state);
    bool settling = std::count(states.begin(), states.end(), "COMPLETING") > 0;
    if (!settling || Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  int listed = 0;
  for (const std::string& state : states) {
    EXPECT_EQ(state, "CANCELLED");
    ++listed;
  }
  EXPECT_GE(listed, 1) << "the withdrawn array is not in squeue at all";
  // Fixed, it submits normally.
  specs[2].partition.clear();
  auto handles = Submit(specs);
  ASSERT_EQ(handles.size(), 3u);
  backend_->Cancel(handles);
}

TEST_F(SlurmBackendTest, ThousandItemArrayIsOneSbatch) {
  auto specs = Specs("k", 1000, "true");
  for (auto& spec : specs) spec.sbatch_args = {"--hold"};  // measure submission only
  auto handles = Submit(specs, 50);
  ASSERT_EQ(handles.size(), 1000u);
  EXPECT_EQ(Count("sbatch"), 1);
  EXPECT_EQ(handles[999].job_id, slurm::SplitSlurmJobId(handles[0].job_id).base + "_999");
  auto statuses = backend_->Reconcile(handles);
  EXPECT_EQ(Count("squeue"), 1);
  for (const auto& status : statuses) EXPECT_EQ(status.kind, JobStatus::Kind::kQueued);
  backend_->Cancel(handles);
  EXPECT_EQ(Count("scancel"), 1);
  submitted_.clear();
  for (const auto& status : WaitForEnd(handles, 60)) {
    EXPECT_EQ(status.end.kind, Kind::kCancelled) << status.end.detail;
  }
}

// Needs a cluster started with MaxArraySize=5 (with_own_cluster.sh 5).
TEST_F(SlurmBackendTest, ChunksBelowMaxArraySize) {
  auto config = slurm::RunCommand({"scontrol", "show", "config"}, 30000);
  ASSERT_TRUE(config && config->exit_code == 0);
  ASSERT_EQ(slurm::ParseConfigValue(config->out, "MaxArraySize"), "5")
      << "run this test on a cluster started with HPCFLOW_SLURM_MAX_ARRAY_SIZE=5";
  auto specs = Specs("chunk", 12, "sleep 0.5");
  auto handles = Submit(specs);
  EXPECT_EQ(Count("sbatch"), 3);
  std::set<std::string> arrays;
  for (const auto& h : handles) arrays.insert(slurm::SplitSlurmJobId(h.job_id).base);
  EXPECT_EQ(arrays.size(), 3u);
  EXPECT_EQ(slurm::SplitSlurmJobId(handles[11].job_id).index, 1);
  for (const auto& status : WaitForEnd(handles, 120)) {
    EXPECT_EQ(status.end.kind, Kind::kExited) << status.end.detail;
    EXPECT_EQ(status.end.exit_code, 0);
  }
}

// 12 items in 3 chunks, at most 2 at once: lanes with dependencies.
TEST_F(SlurmBackendTest, ThrottleHoldsAcrossChunks) {
  auto config = slurm::RunCommand({"scontrol", "show", "config"}, 30000);
  ASSERT_TRUE(config && config->exit_code == 0);
  ASSERT_EQ(slurm::ParseConfigValue(config->out, "MaxArraySize"), "5");
  auto specs = Specs("lane", 12, "sleep 1");
  auto handles = Submit(specs, 2);
  EXPECT_EQ(Count("sbatch"), 3);
  for (const auto& status : WaitForEnd(handles, 180)) {
    EXPECT_EQ(status.end.kind, Kind::kExited) << status.end.detail;
  }
  EXPECT_LE(MaxOverlap(handles), 2);
  EXPECT_GE(MaxOverlap(handles), 1);
}

}  // namespace
}  // namespace hpcflow::backends

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const char* conf = std::getenv("SLURM_CONF");
  if (conf == nullptr || *conf == '\0') {
    const char* skip = std::getenv("HPCFLOW_SKIP_SLURM");
    if (skip != nullptr && std::string(skip) == "1") {
      std::cout << "SKIP: SLURM_CONF is not set and HPCFLOW_SKIP_SLURM=1\n";
      return 77;
    }
    std::cerr << "FAIL: SLURM_CONF is not set; start the test cluster first:\n"
                 "  eval \"$(contrib/slurm-test-cluster/start.sh)\"\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
