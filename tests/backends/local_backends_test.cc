// The conformance suite for the local and fake backends, and what only the
// local backend has: its slot pool and the wrapper's own locking.
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "backend_conformance.h"
#include "backends/fake/fake_backend.h"
#include "backends/job_dir.h"
#include "backends/job_processes.h"
#include "backends/job_wrapper.h"
#include "backends/local/local_backend.h"

namespace hpcflow::backends::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

LocalOptions ConformanceLocalOptions(int cores) {
  LocalOptions options;
  options.cores = cores;
  options.wrapper_command = {HPCFLOW_BINARY, "job-wrapper"};
  return options;
}

BackendUnderTest LocalUnderTest() {
  BackendUnderTest local;
  local.name = "local";
  // More slots than this machine has cores: the throttle, not the slots,
  // limits the conformance cases.
  local.make = [] { return std::make_unique<LocalBackend>(ConformanceLocalOptions(16)); };
  local.describe = DescribeAsShell;
  local.runs = CountRunLines;
  return local;
}

// The same backend with wrappers forked by the job launcher.
BackendUnderTest LocalLauncherUnderTest() {
  BackendUnderTest local = LocalUnderTest();
  local.name = "local_launcher";
  local.make = [] {
    LocalOptions options = ConformanceLocalOptions(16);
    options.launcher_command = {HPCFLOW_BINARY, "job-launcher"};
    return std::make_unique<LocalBackend>(options);
  };
  return local;
}

// The fake runs nothing; its on_end calls are its runs.
std::mutex g_fake_runs_mutex;
std::map<std::string, int> g_fake_runs;

void DescribeAsFakeScript(const JobBehavior& behavior, JobSpec& spec) {
  std::string script;
  auto add = [&](const std::string& item) { script += (script.empty() ? "" : ";") + item; };
  if (!behavior.stdout_text.empty()) add("stdout=" + behavior.stdout_text);
  if (!behavior.stderr_text.empty()) add("stderr=" + behavior.stderr_text);
  if (behavior.hang) add("hang");
  add("duration_ms=" + std::to_string(behavior.sleep_ms));
  add("exit=" + std::to_string(behavior.exit_code));
  if (behavior.kill_self_signal != 0) add("signal=" + std::to_string(behavior.kill_self_signal));
  if (!behavior.result_json.empty()) add("result=" + behavior.result_json);
  spec.environment["HPCFLOW_FAKE"] = script;
}

BackendUnderTest FakeUnderTest() {
  BackendUnderTest fake;
  fake.name = "fake";
  fake.make = [] {
    FakeOptions options;
    options.cores = 16;
    options.on_end = [](const JobHandle& handle, const JobEnd&) {
      std::lock_guard<std::mutex> lock(g_fake_runs_mutex);
      ++g_fake_runs[handle.job_dir];
    };
    return std::make_unique<FakeBackend>(options);
  };
  fake.describe = DescribeAsFakeScript;
  fake.runs = [](const std::string& job_dir) {
    std::lock_guard<std::mutex> lock(g_fake_runs_mutex);
    return g_fake_runs[job_dir];
  };
  fake.has_processes = false;
  return fake;
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendConformanceTest,
                         ::testing::Values(LocalUnderTest(), LocalLauncherUnderTest(),
                                           FakeUnderTest()),
                         BackendUnderTestName);

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hpcflow-local-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

JobEnd WaitForEnd(Backend& backend, const JobHandle& handle) {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    auto status = backend.Reconcile({handle});
    if (status.at(0).kind == JobStatus::Kind::kEnded) return status[0].end;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ADD_FAILURE() << handle.name << " did not end";
  return {};
}

TEST(LocalBackendTest, SlotPoolNeverOversubscribes) {
  TempDir dir;
  LocalBackend backend(ConformanceLocalOptions(2));
  // Three 1-cpu jobs, one 2-cpu job, and one asking for more cores than
  // there are: it is clamped to 2 and runs alone.
  std::vector<int> cpus = {1, 1, 2, 1, 64};
  std::vector<JobSpec> specs;
  for (size_t i = 0; i < cpus.size(); ++i) {
    JobSpec spec;
    spec.name = "slots" + std::to_string(i);
    spec.job_dir = dir.path() + "/" + spec.name;
    spec.cpus = cpus[i];
    spec.shell_command = "sleep 0.4";
    specs.push_back(spec);
  }
  auto handles = backend.Submit(specs, {});
  ASSERT_TRUE(handles) << handles.error().cause;
  std::vector<JobEnd> ends;
  for (const JobHandle& handle : *handles) ends.push_back(WaitForEnd(backend, handle));
  for (const JobEnd& end : ends) ASSERT_EQ(end.kind, JobEnd::Kind::kExited);
  // At every job's start, the slots of the jobs running then.
  int most = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    int used = 0;
    for (size_t j = 0; j < ends.size(); ++j) {
      if (ends[j].start_ms <= ends[i].start_ms && ends[i].start_ms < ends[j].end_ms) {
        used += std::min(cpus[j], 2);
      }
    }
    EXPECT_LE(used, 2) << "job " << i << " started with " << used << " slots in use";
    most = std::max(most, used);
  }
  EXPECT_EQ(most, 2);
  // FIFO: the 2-cpu job started after the first two 1-cpu jobs ended, and
  // before the 1-cpu job queued behind it.
  EXPECT_GE(ends[2].start_ms, std::max(ends[0].end_ms, ends[1].end_ms));
  EXPECT_GE(ends[3].start_ms, ends[2].end_ms);
}

TEST(LocalBackendTest, UnderstandsOnlyWhatItMaps) {
  LocalBackend backend(ConformanceLocalOptions(2));
  for (const char* yes : {"Command", "Environment", "WorkingDirectory", "Cpus", "Time"}) {
    EXPECT_TRUE(backend.Understands(yes)) << yes;
  }
  for (const char* no : {"Tasks", "Memory", "Nodes", "Gpus", "Partition", "Account", "Qos",
                         "Constraint", "SbatchArgs"}) {
    EXPECT_FALSE(backend.Understands(no)) << no;
  }
}

TEST(LocalBackendTest, RefusesSpecsWithoutDirectoryOrCommand) {
  LocalBackend backend(ConformanceLocalOptions(2));
  JobSpec relative;
  relative.job_dir = "relative/dir";
  relative.shell_command = "true";
  auto result = backend.Submit({relative}, {});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().cause.find("relative/dir"), std::string::npos);
  TempDir dir;
  JobSpec empty;
  empty.name = "nothing";
  empty.job_dir = dir.path() + "/nothing";
  result = backend.Submit({empty}, {});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().cause.find("no command"), std::string::npos);
}

// What a Slurm batch script does: run the wrapper by itself.
int RunWrapper(const std::string& job_dir) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(HPCFLOW_BINARY, HPCFLOW_BINARY, "job-wrapper", job_dir.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

JobSpec WriteSpec(const std::string& job_dir, const std::string& command) {
  JobSpec spec;
  spec.name = "wrapped";
  spec.job_dir = job_dir;
  spec.shell_command = command;
  fs::create_directories(job_dir);
  EXPECT_TRUE(WriteFileAtomically(JobFiles(job_dir).spec(), DumpJson(JobSpecToJson(spec))));
  return spec;
}

TEST(JobWrapperTest, TakesTheLockItselfAndRecordsTheEnd) {
  TempDir dir;
  std::string job_dir = dir.path() + "/job";
  WriteSpec(job_dir, "echo ran >> " + job_dir + "/runs; exit 4");
  EXPECT_EQ(RunWrapper(job_dir), 0);
  auto end = ReadJobEnd(job_dir);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->kind, JobEnd::Kind::kExited);
  EXPECT_EQ(end->exit_code, 4);
  auto started = ReadStarted(job_dir);
  ASSERT_TRUE(started);
  EXPECT_GT(started->pgid, 0);
  // Recorded once: a second wrapper (a requeued batch job) runs nothing.
  EXPECT_EQ(RunWrapper(job_dir), 0);
  auto runs = ReadFile(job_dir + "/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(*runs, "ran\n");
}

TEST(JobWrapperTest, ExitsWithoutRunningWhenTheLockIsHeld) {
  TempDir dir;
  std::string job_dir = dir.path() + "/job";
  WriteSpec(job_dir, "echo ran >> " + job_dir + "/runs");
  int fd = OpenJobLock(job_dir);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(RunWrapper(job_dir), kJobWrapperBusy);
  close(fd);
  EXPECT_FALSE(fs::exists(job_dir + "/runs"));
  EXPECT_FALSE(fs::exists(JobFiles(job_dir).exit()));
}

TEST(JobWrapperTest, StopSignalCancelsTheJobGroup) {
  TempDir dir;
  std::string job_dir = dir.path() + "/job";
  WriteSpec(job_dir, "sleep 600");
  pid_t pid = fork();
  if (pid == 0) {
    execl(HPCFLOW_BINARY, HPCFLOW_BINARY, "job-wrapper", job_dir.c_str(), nullptr);
    _exit(127);
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && !ReadStarted(job_dir)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(ReadStarted(job_dir));
  kill(pid, SIGTERM);  // as scancel does
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto end = ReadJobEnd(job_dir);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->kind, JobEnd::Kind::kCancelled) << DumpJson(JobEndToJson(*end));
  EXPECT_EQ(end->signal, SIGTERM);
}

// A backend that is gone (a crashed server) leaves its queued jobs with a
// spec and a lock that nobody holds: a new backend given them again queues
// and runs each, exactly once.
TEST(LocalBackendTest, JobsQueuedInABackendThatIsGoneRunOnceInTheNextOne) {
  TempDir dir;
  std::vector<JobSpec> specs;
  for (int i = 0; i < 4; ++i) {
    JobSpec spec;
    spec.name = "queued" + std::to_string(i);
    spec.job_dir = dir.path() + "/" + spec.name;
    spec.cpus = 2;  // one at a time on two cores
    spec.shell_command = "echo ran >> " + spec.job_dir + "/runs; sleep 0.3";
    specs.push_back(spec);
  }
  {
    LocalBackend first(ConformanceLocalOptions(2));
    ASSERT_TRUE(first.Submit(specs, {}));
    // Gone while three jobs wait: only the first started.
  }
  LocalBackend second(ConformanceLocalOptions(2));
  auto handles = second.Submit(specs, {});
  ASSERT_TRUE(handles) << handles.error().cause;
  for (const JobHandle& handle : *handles) {
    EXPECT_EQ(WaitForEnd(second, handle).kind, JobEnd::Kind::kExited) << handle.name;
  }
  for (const JobSpec& spec : specs) {
    auto runs = ReadFile(spec.job_dir + "/runs");
    EXPECT_TRUE(runs && *runs == "ran\n") << spec.name << " ran " << (runs ? *runs : "never");
  }
}

// A wrapper that dies before it starts the job (here: a "wrapper" that
// exits at once) leaves nothing run: the job is launched again, three times
// in all, then it is lost with the reason.
TEST(LocalBackendTest, AWrapperThatDiesBeforeTheStartIsLaunchedAgainThenLost) {
  TempDir dir;
  LocalOptions options = ConformanceLocalOptions(2);
  options.wrapper_command = {"/bin/sh", "-c", "echo launched >> \"$0/launches\""};
  LocalBackend backend(options);
  JobSpec spec;
  spec.name = "doomed";
  spec.job_dir = dir.path() + "/doomed";
  spec.shell_command = "echo ran >> " + spec.job_dir + "/runs";
  auto handles = backend.Submit({spec}, {});
  ASSERT_TRUE(handles) << handles.error().cause;
  JobEnd end = WaitForEnd(backend, (*handles)[0]);
  EXPECT_EQ(end.kind, JobEnd::Kind::kLost);
  EXPECT_NE(end.detail.find("died 3 times before it started"), std::string::npos) << end.detail;
  EXPECT_EQ(*ReadFile(spec.job_dir + "/launches"), "launched\nlaunched\nlaunched\n");
  EXPECT_FALSE(fs::exists(spec.job_dir + "/runs"));
}

// Cancelling a job whose wrapper is dead kills what the job left running,
// found by its process group (checked by start time) and its
// HPCFLOW_JOB_DIR, and records the cancel.
TEST(LocalBackendTest, CancelOfAJobWhoseWrapperDiedKillsItsLeftovers) {
  TempDir dir;
  std::string job_dir = dir.path() + "/orphaned";
  JobSpec spec = WriteSpec(job_dir, "sleep 600");
  // A job group of ours, with the marker, as a dead wrapper leaves it.
  pid_t leader = fork();
  if (leader == 0) {
    setpgid(0, 0);
    setenv("HPCFLOW_JOB_DIR", job_dir.c_str(), 1);
    // The escaped process writes its pid once it runs, so the test never
    // races the shell's fork under a loaded machine.
    std::string script =
        "setsid sh -c 'echo $$ > " + job_dir + "/escaped.pid; exec sleep 600' & exec sleep 600";
    execl("/bin/sh", "sh", "-c", script.c_str(), nullptr);
    _exit(127);
  }
  setpgid(leader, leader);
  pid_t escaped = 0;
  for (int i = 0; i < 1000 && escaped == 0; ++i) {
    auto text = ReadFile(job_dir + "/escaped.pid");
    if (text && !text->empty() && text->back() == '\n')
      escaped = std::stoi(*text);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(escaped, 0) << "the job's escaped process never started";
  // Wait until the leader has exec'd sleep (its start time is then final).
  for (int i = 0; i < 500; ++i) {
    auto cmdline = ReadFile("/proc/" + std::to_string(leader) + "/cmdline");
    if (cmdline && cmdline->rfind("sleep", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  StartedRecord started{99999999, leader, WallClockMs(), ProcessStartTicks(leader).value_or(0),
                        BootId()};
  ASSERT_TRUE(WriteStarted(job_dir, started));
  LocalBackend backend(ConformanceLocalOptions(2));
  backend.Cancel({JobHandle{spec.name, job_dir, ""}});
  int status = 0;
  EXPECT_EQ(waitpid(leader, &status, 0), leader);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  auto end = ReadJobEnd(job_dir);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->kind, JobEnd::Kind::kCancelled);
  EXPECT_NE(end->detail.find("2 remaining processes of the job were killed"), std::string::npos)
      << end->detail;
  // The process that left the job's group and session is gone too.
  bool escaped_gone = false;
  for (int i = 0; i < 500 && !escaped_gone; ++i) {
    auto stat = ReadFile("/proc/" + std::to_string(escaped) + "/stat");
    escaped_gone = !stat || stat->find(") Z") != std::string::npos;
    if (!escaped_gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(escaped_gone) << "pid " << escaped << " survived the cancel";
}

// A started record whose group leader is another process now (the pid was
// reused) is not signalled.
TEST(LocalBackendTest, AReusedPidIsNeverSignalled) {
  pid_t stranger = fork();
  if (stranger == 0) {
    setpgid(0, 0);
    execl("/bin/sleep", "sleep", "600", nullptr);
    _exit(127);
  }
  setpgid(stranger, stranger);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  StartedRecord old{1, stranger, 0, ProcessStartTicks(stranger).value_or(0) - 1, BootId()};
  EXPECT_FALSE(SignalJobGroup(old, SIGKILL));
  StartedRecord rebooted{1, stranger, 0, ProcessStartTicks(stranger).value_or(0), "another boot"};
  EXPECT_FALSE(SignalJobGroup(rebooted, SIGKILL));
  StartedRecord same{1, stranger, 0, ProcessStartTicks(stranger).value_or(0), BootId()};
  EXPECT_TRUE(SignalJobGroup(same, SIGKILL));
  int status = 0;
  waitpid(stranger, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

// A wrapper killed between starting the job's process and recording the
// start: the process, held at its start gate, never runs the command.
TEST(JobWrapperTest, AWrapperKilledBeforeRecordingTheStartRunsNothing) {
  TempDir dir;
  std::string job_dir = dir.path() + "/job";
  WriteSpec(job_dir, "echo ran >> " + job_dir + "/runs");
  pid_t pid = fork();
  if (pid == 0) {
    setenv("HPCFLOW_CRASH_AT", "wrapper.before_started", 1);
    execl(HPCFLOW_BINARY, HPCFLOW_BINARY, "job-wrapper", job_dir.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(fs::exists(job_dir + "/runs"));
  EXPECT_FALSE(ReadStarted(job_dir));
  // Never started: a wrapper may run it now, once.
  EXPECT_EQ(RunWrapper(job_dir), 0);
  EXPECT_EQ(*ReadFile(job_dir + "/runs"), "ran\n");
}

// Ends seen by a launcher backend's on_end, by job directory.
struct EndLog {
  std::mutex mutex;
  std::map<std::string, std::vector<JobEnd>> ends;
  size_t Count(const std::string& job_dir) {
    std::lock_guard<std::mutex> lock(mutex);
    return ends[job_dir].size();
  }
  bool WaitFor(const std::vector<std::string>& job_dirs) {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      bool all = true;
      for (const auto& dir : job_dirs) all = all && Count(dir) > 0;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

LocalOptions LauncherOptions(int cores, EndLog& log) {
  LocalOptions options = ConformanceLocalOptions(cores);
  options.launcher_command = {HPCFLOW_BINARY, "job-launcher"};
  options.on_end = [&log](const JobHandle& handle, const JobEnd& end) {
    std::lock_guard<std::mutex> lock(log.mutex);
    log.ends[handle.job_dir].push_back(end);
  };
  return options;
}

// The parent pid of `pid`, from /proc (0 when it is gone).
pid_t ParentOf(pid_t pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  size_t close_paren = stat->rfind(')');
  int parent = 0;
  if (close_paren != std::string::npos)
    std::sscanf(stat->c_str() + close_paren + 2, "%*c %d", &parent);
  return parent;
}

// The pid a job wrote to `path` (its $PPID: its wrapper), once it has.
pid_t WaitForPidFile(const std::string& path) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    if (auto text = ReadFile(path); text && std::atoi(text->c_str()) > 0) {
      return std::atoi(text->c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

// Wrappers forked by the launcher: each job runs under its own wrapper
// process (named hpcflow-wrapper, a child of the one launcher), its end
// reaches on_end once, and the wrapper does not exec hpcflow again.
TEST(LocalBackendLauncherTest, WrappersAreForksOfOneLauncherAndEndsReachOnEnd) {
  TempDir dir;
  EndLog log;
  LocalBackend backend(LauncherOptions(2, log));
  std::vector<JobSpec> specs;
  std::vector<std::string> dirs;
  for (int i = 0; i < 6; ++i) {
    JobSpec spec;
    spec.name = "job" + std::to_string(i);
    spec.job_dir = dir.path() + "/" + spec.name;
    spec.shell_command =
        "echo $PPID > \"$HPCFLOW_JOB_DIR/wrapper.pid\"; sleep 0.2; exit " + std::to_string(i % 3);
    specs.push_back(spec);
    dirs.push_back(spec.job_dir);
  }
  auto handles = backend.Submit(specs, {});
  ASSERT_TRUE(handles) << handles.error().cause;
  // While the first two run: their wrappers' parent is one launcher.
  pid_t first = WaitForPidFile(dirs[0] + "/wrapper.pid");
  ASSERT_GT(first, 0);
  auto comm = ReadFile("/proc/" + std::to_string(first) + "/comm");
  ASSERT_TRUE(comm);
  EXPECT_EQ(*comm, "hpcflow-wrapper\n");
  pid_t launcher = ParentOf(first);
  auto launcher_cmdline = ReadFile("/proc/" + std::to_string(launcher) + "/cmdline");
  ASSERT_TRUE(launcher_cmdline);
  EXPECT_NE(launcher_cmdline->find("job-launcher"), std::string::npos);
  ASSERT_TRUE(log.WaitFor(dirs));
  for (int i = 0; i < 6; ++i) {
    std::lock_guard<std::mutex> lock(log.mutex);
    ASSERT_EQ(log.ends[dirs[i]].size(), 1u) << dirs[i];
    EXPECT_EQ(log.ends[dirs[i]][0].kind, JobEnd::Kind::kExited);
    EXPECT_EQ(log.ends[dirs[i]][0].exit_code, i % 3);
    auto pid = ReadFile(dirs[i] + "/wrapper.pid");
    ASSERT_TRUE(pid);
    // Jobs that waited for a slot have no job id in their Submit's handles.
    if (!(*handles)[i].job_id.empty()) {
      EXPECT_EQ((*handles)[i].job_id, std::to_string(std::atoi(pid->c_str())))
          << "a handle's job id is its wrapper's pid";
    }
  }
}

// A launcher killed while its wrappers run: they run on, their ends still
// reach on_end (through their locks), and the next job gets a new launcher.
TEST(LocalBackendLauncherTest, AKilledLauncherLosesNoJob) {
  TempDir dir;
  EndLog log;
  LocalBackend backend(LauncherOptions(4, log));
  std::vector<JobSpec> specs;
  std::vector<std::string> dirs;
  for (int i = 0; i < 2; ++i) {
    JobSpec spec;
    spec.name = "survivor" + std::to_string(i);
    spec.job_dir = dir.path() + "/" + spec.name;
    spec.shell_command =
        "echo $PPID > \"$HPCFLOW_JOB_DIR/wrapper.pid\"; sleep 1; echo ran >> "
        "\"$HPCFLOW_JOB_DIR/runs\"";
    specs.push_back(spec);
    dirs.push_back(spec.job_dir);
  }
  ASSERT_TRUE(backend.Submit(specs, {}));
  pid_t wrapper = WaitForPidFile(dirs[0] + "/wrapper.pid");
  ASSERT_GT(wrapper, 0);
  pid_t launcher = ParentOf(wrapper);
  ASSERT_GT(launcher, 1);
  ASSERT_EQ(kill(launcher, SIGKILL), 0);
  ASSERT_TRUE(log.WaitFor(dirs));
  for (const auto& job_dir : dirs) {
    EXPECT_EQ(log.Count(job_dir), 1u) << job_dir;
    EXPECT_EQ(*ReadFile(job_dir + "/runs"), "ran\n") << job_dir;
  }
  // A job after the loss: started by a new launcher.
  JobSpec later;
  later.name = "later";
  later.job_dir = dir.path() + "/later";
  later.shell_command = "echo $PPID > \"$HPCFLOW_JOB_DIR/wrapper.pid\"; sleep 0.3";
  ASSERT_TRUE(backend.Submit({later}, {}));
  pid_t later_wrapper = WaitForPidFile(later.job_dir + "/wrapper.pid");
  ASSERT_GT(later_wrapper, 0);
  pid_t new_launcher = ParentOf(later_wrapper);
  EXPECT_NE(new_launcher, launcher);
  auto cmdline = ReadFile("/proc/" + std::to_string(new_launcher) + "/cmdline");
  ASSERT_TRUE(cmdline);
  EXPECT_NE(cmdline->find("job-launcher"), std::string::npos);
  ASSERT_TRUE(log.WaitFor({later.job_dir}));
}

// A cancel reaches a launcher-forked wrapper as it reaches an exec'd one.
TEST(LocalBackendLauncherTest, CancelStopsALauncherForkedJob) {
  TempDir dir;
  EndLog log;
  LocalBackend backend(LauncherOptions(2, log));
  JobSpec spec;
  spec.name = "long";
  spec.job_dir = dir.path() + "/long";
  spec.shell_command = "touch \"$HPCFLOW_JOB_DIR/running\"; exec sleep 600";
  auto handles = backend.Submit({spec}, {});
  ASSERT_TRUE(handles);
  for (int attempt = 0; attempt < 500 && !fs::exists(spec.job_dir + "/running"); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  backend.Cancel(*handles);
  ASSERT_TRUE(log.WaitFor({spec.job_dir}));
  std::lock_guard<std::mutex> lock(log.mutex);
  EXPECT_EQ(log.ends[spec.job_dir][0].kind, JobEnd::Kind::kCancelled);
}

TEST(FakeBackendTest, ScriptedEndsAndBadScripts) {
  TempDir dir;
  std::vector<JobEnd> reported;
  std::mutex mutex;
  FakeOptions options;
  options.on_end = [&](const JobHandle&, const JobEnd& end) {
    std::lock_guard<std::mutex> lock(mutex);
    reported.push_back(end);
  };
  FakeBackend backend(options);
  JobSpec oom;
  oom.name = "oom";
  oom.job_dir = dir.path() + "/oom";
  oom.shell_command = "fake:duration_ms=5;end=out_of_memory;stderr=killed";
  JobSpec lost;
  lost.name = "lost";
  lost.job_dir = dir.path() + "/lost";
  lost.argv = {"fake:end=lost"};
  auto handles = backend.Submit({oom, lost}, {});
  ASSERT_TRUE(handles) << handles.error().cause;
  EXPECT_EQ(WaitForEnd(backend, (*handles)[0]).kind, JobEnd::Kind::kOutOfMemory);
  JobEnd lost_end = WaitForEnd(backend, (*handles)[1]);
  EXPECT_EQ(lost_end.kind, JobEnd::Kind::kLost);
  EXPECT_NE(lost_end.detail.find("without recording"), std::string::npos) << lost_end.detail;
  {
    std::lock_guard<std::mutex> lock(mutex);
    EXPECT_EQ(reported.size(), 2u);
  }
  JobSpec bad = oom;
  bad.job_dir = dir.path() + "/bad";
  bad.shell_command = "fake:duration_ms=soon";
  auto refused = backend.Submit({bad}, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().cause.find("duration_ms"), std::string::npos);
}

}  // namespace
}  // namespace hpcflow::backends::testing
