#include "backend_conformance.h"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backends/job_wrapper.h"
#include "common/json.h"

namespace hpcflow::backends::testing {

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int Occurrences(const std::string& haystack, const std::string& needle) {
  int count = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// Alive, and not a zombie waiting for a reaper.
bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  return paren == std::string::npos || stat.size() < paren + 3 || stat[paren + 2] != 'Z';
}

// The most jobs that ran at the same moment, by their recorded times.
int MaxOverlap(const std::vector<JobEnd>& ends) {
  std::vector<std::pair<int64_t, int>> events;
  for (const JobEnd& end : ends) {
    events.emplace_back(end.start_ms, +1);
    events.emplace_back(end.end_ms, -1);
  }
  // At equal times an end comes first: a job that starts as another ends
  // does not overlap it.
  std::sort(events.begin(), events.end());
  int now = 0, most = 0;
  for (const auto& [time, delta] : events) {
    now += delta;
    most = std::max(most, now);
  }
  return most;
}

}  // namespace

void DescribeAsShell(const JobBehavior& behavior, JobSpec& spec) {
  std::string dir = spec.job_dir;
  std::string script;
  if (behavior.count_runs) script += "echo run >> " + Quote(dir + "/runs") + "\n";
  if (!behavior.stdout_text.empty()) script += "printf '%s' " + Quote(behavior.stdout_text) + "\n";
  if (!behavior.stderr_text.empty()) {
    script += "printf '%s' " + Quote(behavior.stderr_text) + " >&2\n";
  }
  if (!behavior.result_json.empty()) {
    script += "printf '%s' " + Quote(behavior.result_json) + " > \"$HPCFLOW_RESULT\"\n";
  }
  if (behavior.spawn_grandchild) {
    script += "sleep 600 &\necho $! > " + Quote(dir + "/grandchild.pid") + "\n";
  }
  if (behavior.hang) {
    script += "sleep 600\n";
  } else if (behavior.sleep_ms > 0) {
    script += "sleep " + std::to_string(behavior.sleep_ms / 1000.0) + "\n";
  }
  if (behavior.kill_self_signal != 0) {
    script += "kill -" + std::to_string(behavior.kill_self_signal) + " $$\n";
  }
  script += "exit " + std::to_string(behavior.exit_code) + "\n";
  spec.shell_command = script;
}

int CountRunLines(const std::string& job_dir) {
  return Occurrences(Slurp(job_dir + "/runs"), "run\n");
}

std::string BackendUnderTestName(const ::testing::TestParamInfo<BackendUnderTest>& info) {
  return info.param.name;
}

void BackendConformanceTest::SetUp() {
  const auto& param = GetParam();
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  test = test.substr(0, test.find('/'));
  if (auto it = param.unsupported.find(test); it != param.unsupported.end()) {
    GTEST_SKIP() << param.name << ": " << it->second;
  }
  std::string pattern = (fs::temp_directory_path() / "hpcflow-conformance-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  backend_ = param.make();
  ASSERT_NE(backend_, nullptr);
}

void BackendConformanceTest::TearDown() {
  if (backend_ && !submitted_.empty()) {
    // Leave nothing running, whatever the test did.
    backend_->Cancel(submitted_);
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      auto statuses = backend_->Reconcile(submitted_);
      if (std::all_of(statuses.begin(), statuses.end(),
                      [](const JobStatus& s) { return s.kind == JobStatus::Kind::kEnded; })) {
        break;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  backend_.reset();
  if (!dir_.empty() && !HasFailure()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

JobSpec BackendConformanceTest::Spec(const std::string& name, const JobBehavior& behavior) {
  JobSpec spec;
  spec.name = "conformance-" + name;
  spec.job_dir = dir_ + "/" + name;
  spec.tasks = behavior.tasks;
  // The runtime sets this for every job; the backend itself does not.
  spec.environment["HPCFLOW_RESULT"] = JobFiles(spec.job_dir).result();
  GetParam().describe(behavior, spec);
  return spec;
}

std::vector<JobHandle> BackendConformanceTest::SubmitOrDie(const std::vector<JobSpec>& specs,
                                                           const SubmitOptions& options) {
  auto handles = backend_->Submit(specs, options);
  EXPECT_TRUE(handles) << (handles ? "" : handles.error().cause);
  if (!handles) return {};
  EXPECT_EQ(handles->size(), specs.size());
  for (size_t i = 0; i < handles->size() && i < specs.size(); ++i) {
    EXPECT_EQ((*handles)[i].job_dir, specs[i].job_dir);
    EXPECT_EQ((*handles)[i].name, specs[i].name);
  }
  submitted_.insert(submitted_.end(), handles->begin(), handles->end());
  return *handles;
}

JobEnd BackendConformanceTest::WaitForEnd(const JobHandle& handle, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto statuses = backend_->Reconcile({handle});
    if (statuses.size() == 1 && statuses[0].kind == JobStatus::Kind::kEnded) {
      return statuses[0].end;
    }
    std::this_thread::sleep_for(milliseconds(25));
  }
  ADD_FAILURE() << "job " << handle.name << " did not end within " << timeout.count() << " ms";
  return JobEnd{};
}

void BackendConformanceTest::WaitForRunning(const JobHandle& handle) {
  auto deadline = Clock::now() + GetParam().start_timeout;
  while (Clock::now() < deadline) {
    auto statuses = backend_->Reconcile({handle});
    if (statuses.size() == 1 && statuses[0].kind == JobStatus::Kind::kRunning &&
        fs::exists(JobFiles(handle.job_dir).started())) {
      return;
    }
    ASSERT_NE(statuses.at(0).kind, JobStatus::Kind::kEnded)
        << "job " << handle.name
        << " ended before it was seen running: " << DumpJson(JobEndToJson(statuses[0].end));
    std::this_thread::sleep_for(milliseconds(25));
  }
  FAIL() << "job " << handle.name << " was not running within " << GetParam().start_timeout.count()
         << " ms";
}

TEST_P(BackendConformanceTest, Success) {
  JobBehavior behavior;
  behavior.stdout_text = "hello-out\n";
  behavior.stderr_text = "hello-err\n";
  behavior.tasks = GetParam().success_tasks;
  auto handles = SubmitOrDie({Spec("ok", behavior)});
  ASSERT_EQ(handles.size(), 1u);
  JobEnd end = WaitForEnd(handles[0]);
  EXPECT_EQ(end.kind, JobEnd::Kind::kExited) << DumpJson(JobEndToJson(end));
  EXPECT_EQ(end.exit_code, 0);
  EXPECT_GT(end.start_ms, 0);
  EXPECT_GE(end.end_ms, end.start_ms);
  JobFiles files(handles[0].job_dir);
  // Every rank ran the command.
  EXPECT_EQ(Occurrences(Slurp(files.stdout_path()), "hello-out\n"), behavior.tasks);
  EXPECT_EQ(Occurrences(Slurp(files.stderr_path()), "hello-err\n"), behavior.tasks);
  EXPECT_FALSE(fs::exists(files.result())) << "no result was written";
}

TEST_P(BackendConformanceTest, OutputCapture) {
  JobBehavior behavior;
  behavior.stdout_text = "line one\nline 'two'\n";
  behavior.stderr_text = "warning: one\nerror: two\n";
  behavior.exit_code = 0;
  auto handles = SubmitOrDie({Spec("output", behavior)});
  ASSERT_EQ(handles.size(), 1u);
  JobEnd end = WaitForEnd(handles[0]);
  EXPECT_EQ(end.kind, JobEnd::Kind::kExited);
  JobFiles files(handles[0].job_dir);
  EXPECT_EQ(Slurp(files.stdout_path()), behavior.stdout_text);
  EXPECT_EQ(Slurp(files.stderr_path()), behavior.stderr_text);
}

TEST_P(BackendConformanceTest, NonZeroExit) {
  JobBehavior behavior;
  behavior.stderr_text = "it broke\n";
  behavior.exit_code = 3;
  auto handles = SubmitOrDie({Spec("exit3", behavior)});
  ASSERT_EQ(handles.size(), 1u);
  JobEnd end = WaitForEnd(handles[0]);
  EXPECT_EQ(end.kind, JobEnd::Kind::kExited) << DumpJson(JobEndToJson(end));
  EXPECT_EQ(end.exit_code, 3);
  EXPECT_NE(Slurp(JobFiles(handles[0].job_dir).stderr_path()).find("it broke"), std::string::npos);
}

TEST_P(BackendConformanceTest, KilledBySignal) {
  JobBehavior behavior;
  behavior.kill_self_signal = SIGKILL;
  auto handles = SubmitOrDie({Spec("kill9", behavior)});
  ASSERT_EQ(handles.size(), 1u);
  JobEnd end = WaitForEnd(handles[0]);
  EXPECT_EQ(end.kind, JobEnd::Kind::kSignaled) << DumpJson(JobEndToJson(end));
  EXPECT_EQ(end.signal, SIGKILL);
}

TEST_P(BackendConformanceTest, CancelTwice) {
  JobBehavior behavior;
  behavior.hang = true;
  behavior.spawn_grandchild = GetParam().has_processes;
  auto handles = SubmitOrDie({Spec("cancel", behavior)});
  ASSERT_EQ(handles.size(), 1u);
  WaitForRunning(handles[0]);
  if (HasFatalFailure()) return;
  pid_t grandchild = 0;
  if (GetParam().has_processes) {
    std::string pid_file = handles[0].job_dir + "/grandchild.pid";
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline && (grandchild = atoi(Slurp(pid_file).c_str())) <= 0) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_GT(grandchild, 0) << "the job did not start its grandchild";
    ASSERT_TRUE(ProcessAlive(grandchild));
  }
  backend_->Cancel(handles);
  backend_->Cancel(handles);  // a no-op
  JobEnd end = WaitForEnd(handles[0], std::chrono::seconds(30));
  EXPECT_EQ(end.kind, JobEnd::Kind::kCancelled) << DumpJson(JobEndToJson(end));
  backend_->Cancel(handles);  // after the end: changes nothing
  auto again = backend_->Reconcile(handles);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].kind, JobStatus::Kind::kEnded);
  EXPECT_EQ(again[0].end.kind, JobEnd::Kind::kCancelled);
  if (grandchild > 0) {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline && ProcessAlive(grandchild)) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    EXPECT_FALSE(ProcessAlive(grandchild)) << "the job's grandchild " << grandchild << " survived";
    if (ProcessAlive(grandchild)) kill(grandchild, SIGKILL);
  }
}

TEST_P(BackendConformanceTest, CancelQueued) {
  JobBehavior behavior;
  behavior.hang = true;
  SubmitOptions one_at_a_time;
  one_at_a_time.max_concurrent = 1;
  auto handles = SubmitOrDie({Spec("first", behavior), Spec("second", behavior)}, one_at_a_time);
  ASSERT_EQ(handles.size(), 2u);
  WaitForRunning(handles[0]);
  if (HasFatalFailure()) return;
  auto statuses = backend_->Reconcile({handles[1]});
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].kind, JobStatus::Kind::kQueued);
  backend_->Cancel({handles[1]});
  JobEnd end = WaitForEnd(handles[1], std::chrono::seconds(30));
  EXPECT_EQ(end.kind, JobEnd::Kind::kCancelled) << DumpJson(JobEndToJson(end));
  EXPECT_FALSE(fs::exists(JobFiles(handles[1].job_dir).started())) << "it never started";
  statuses = backend_->Reconcile({handles[0]});
  EXPECT_EQ(statuses.at(0).kind, JobStatus::Kind::kRunning) << "the first one runs on";
  backend_->Cancel({handles[0]});
  EXPECT_EQ(WaitForEnd(handles[0], std::chrono::seconds(30)).kind, JobEnd::Kind::kCancelled);
}

TEST_P(BackendConformanceTest, ArrayWithThrottle) {
  JobBehavior behavior;
  behavior.sleep_ms = 300;
  std::vector<JobSpec> specs;
  for (int i = 0; i < 8; ++i) specs.push_back(Spec("item" + std::to_string(i), behavior));
  SubmitOptions throttle;
  throttle.max_concurrent = 2;
  auto handles = SubmitOrDie(specs, throttle);
  ASSERT_EQ(handles.size(), 8u);
  std::vector<JobEnd> ends;
  for (const JobHandle& handle : handles)
    ends.push_back(WaitForEnd(handle, std::chrono::seconds(120)));
  for (const JobEnd& end : ends) {
    EXPECT_EQ(end.kind, JobEnd::Kind::kExited) << DumpJson(JobEndToJson(end));
    EXPECT_EQ(end.exit_code, 0);
    EXPECT_GT(end.start_ms, 0) << "every job ran";
  }
  int overlap = MaxOverlap(ends);
  EXPECT_LE(overlap, 2) << "more jobs ran at once than max_concurrent";
  EXPECT_EQ(overlap, 2) << "the throttle allows two at once";
}

TEST_P(BackendConformanceTest, TimeLimit) {
  JobBehavior behavior;
  behavior.hang = true;
  JobSpec spec = Spec("walltime", behavior);
  spec.time_limit_s = 1;
  auto started = Clock::now();
  auto handles = SubmitOrDie({spec});
  ASSERT_EQ(handles.size(), 1u);
  JobEnd end = WaitForEnd(handles[0], std::chrono::seconds(60));
  EXPECT_EQ(end.kind, JobEnd::Kind::kTimedOut) << DumpJson(JobEndToJson(end));
  EXPECT_GE(end.end_ms - end.start_ms, 1000);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30) + GetParam().start_timeout);
}

TEST_P(BackendConformanceTest, WritesResult) {
  JobBehavior behavior;
  behavior.result_json = R"({"x":1,"items":["a;b"]})";
  auto handles = SubmitOrDie({Spec("result", behavior)});
  ASSERT_EQ(handles.size(), 1u);
  JobEnd end = WaitForEnd(handles[0]);
  EXPECT_EQ(end.kind, JobEnd::Kind::kExited);
  auto text = ReadFile(JobFiles(handles[0].job_dir).result());
  ASSERT_TRUE(text) << "no result.json";
  auto json = ParseJson(*text);
  ASSERT_TRUE(json) << *text;
  EXPECT_EQ(*json, Json::parse(behavior.result_json));
}

TEST_P(BackendConformanceTest, SubmitTwiceRunsOnce) {
  JobBehavior behavior;
  behavior.sleep_ms = 1500;
  behavior.count_runs = true;
  std::vector<JobSpec> specs = {Spec("a", behavior), Spec("b", behavior), Spec("c", behavior)};
  auto first = SubmitOrDie(specs);
  auto second = SubmitOrDie(specs);  // the same backend: adopted
  ASSERT_EQ(second.size(), 3u);
  WaitForRunning(first[0]);
  if (HasFatalFailure()) return;
  // A restarted orchestrator: a new backend object, the jobs still running.
  backend_.reset();
  backend_ = GetParam().make();
  auto third = SubmitOrDie(specs);
  ASSERT_EQ(third.size(), 3u);
  for (const JobHandle& handle : third) {
    JobEnd end = WaitForEnd(handle);
    EXPECT_EQ(end.kind, JobEnd::Kind::kExited) << DumpJson(JobEndToJson(end));
  }
  // Once ended, submitting again changes nothing either.
  auto fourth = SubmitOrDie(specs);
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(GetParam().runs(specs[i].job_dir), 1) << specs[i].name << " ran more than once";
    auto status = backend_->Reconcile({fourth[i]});
    EXPECT_EQ(status.at(0).kind, JobStatus::Kind::kEnded);
  }
}

TEST_P(BackendConformanceTest, ReconcileOfUnknownJobIsLost) {
  JobHandle ghost{"conformance-ghost", dir_ + "/ghost", ""};
  fs::create_directories(ghost.job_dir);
  auto statuses = backend_->Reconcile({ghost});
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].kind, JobStatus::Kind::kEnded);
  EXPECT_EQ(statuses[0].end.kind, JobEnd::Kind::kLost);
}

}  // namespace hpcflow::backends::testing
