// The crash-point switch: it SIGKILLs the process at the Nth pass, counted in
// the process or in a file shared by several processes. Each case runs in a
// child (a gtest death test), since the plan is read once per process.
#include "common/crash_point.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace hpcflow {
namespace {

// Runs `passes` passes through `point` in a forked child with `at` (and the
// counter file, if any) set; returns its wait status.
int PassesInChild(const char* at, const char* point, int passes, const std::string& counter) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("HPCFLOW_CRASH_AT", at, 1);
    if (!counter.empty()) setenv("HPCFLOW_CRASH_COUNTER", counter.c_str(), 1);
    for (int i = 0; i < passes; ++i) CrashPoint(point);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool Killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
bool Exited(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

TEST(CrashPoint, EveryPointIsKnownByName) {
  for (const char* point : kCrashPoints) EXPECT_TRUE(IsCrashPoint(point)) << point;
  EXPECT_FALSE(IsCrashPoint("runtime.nowhere"));
}

TEST(CrashPoint, KillsAtTheNthPassOfItsPointOnly) {
  EXPECT_TRUE(Killed(PassesInChild("runtime.after_commit", "runtime.after_commit", 1, "")));
  EXPECT_TRUE(Exited(PassesInChild("runtime.after_commit:3", "runtime.after_commit", 2, "")));
  EXPECT_TRUE(Killed(PassesInChild("runtime.after_commit:3", "runtime.after_commit", 3, "")));
  EXPECT_TRUE(Exited(PassesInChild("runtime.after_commit", "runtime.timer_fire", 5, "")));
  // An unknown point arms nothing (and says so on stderr).
  EXPECT_TRUE(Exited(PassesInChild("runtime.nowhere", "runtime.after_commit", 5, "")));
}

TEST(CrashPoint, ASharedCounterFiresOnceAcrossProcesses) {
  std::string counter =
      (std::filesystem::temp_directory_path() / ("hpcflow-crash-" + std::to_string(getpid())))
          .string();
  const char* at = "wrapper.before_report:2";
  EXPECT_TRUE(Exited(PassesInChild(at, "wrapper.before_report", 1, counter)));
  EXPECT_TRUE(Killed(PassesInChild(at, "wrapper.before_report", 1, counter)));
  EXPECT_TRUE(Exited(PassesInChild(at, "wrapper.before_report", 3, counter)));
  std::filesystem::remove(counter);
}

}  // namespace
}  // namespace hpcflow
