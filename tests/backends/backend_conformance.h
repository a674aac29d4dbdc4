// One conformance suite for every backend (local, mpi, fake, slurm).
//
// A backend joins by describing itself in a BackendUnderTest (how to make
// one, how to turn a JobBehavior into a JobSpec it runs, how to count the
// runs of a job) and instantiating the suite in its own test binary:
//
//   INSTANTIATE_TEST_SUITE_P(Slurm, BackendConformanceTest,
//                            ::testing::Values(SlurmUnderTest()), BackendUnderTestName);
//
// backend_conformance.cc (which holds the TEST_Ps) must be compiled into
// that binary. Ends are observed with Reconcile in bounded wait loops: tests
// may poll, the product may not.
#ifndef HPCFLOW_TESTS_BACKENDS_BACKEND_CONFORMANCE_H_
#define HPCFLOW_TESTS_BACKENDS_BACKEND_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace hpcflow::backends::testing {

// What a conformance job does; each backend says how (DescribeAsShell for
// the ones that run commands).
struct JobBehavior {
  std::string stdout_text;  // printed as is
  std::string stderr_text;
  int64_t sleep_ms = 0;      // then
  bool hang = false;         // runs until stopped (instead of sleep_ms)
  int exit_code = 0;         // exits with this, or
  int kill_self_signal = 0;  // kills itself with this signal
  std::string result_json;   // written to $HPCFLOW_RESULT
  // Leaves a grandchild process (pid in DIR/grandchild.pid) that lives as
  // long as the job; for cancel tests of the whole tree.
  bool spawn_grandchild = false;
  bool count_runs = false;  // appends a line to DIR/runs each time it runs
  int tasks = 1;            // JobSpec::tasks
};

struct BackendUnderTest {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
  // Sets spec.argv / shell_command / environment for `behavior`; job_dir,
  // name, tasks and the test's own environment (HPCFLOW_RESULT) are set.
  std::function<void(const JobBehavior& behavior, JobSpec& spec)> describe;
  // How many times the job in `job_dir` ran.
  std::function<int(const std::string& job_dir)> runs;
  // Test names (e.g. "KilledBySignal") that make no sense here, and why.
  std::map<std::string, std::string> unsupported;
  // Jobs are real processes (grandchild checks apply).
  bool has_processes = true;
  // Ranks for the success case: each prints the job's stdout text.
  int success_tasks = 1;
  // Upper bound for a job's start after submission (schedulers are slower).
  std::chrono::milliseconds start_timeout{10'000};
};

// A POSIX shell script for `behavior` (for backends that run commands).
void DescribeAsShell(const JobBehavior& behavior, JobSpec& spec);
// Lines in DIR/runs (written by jobs with count_runs).
int CountRunLines(const std::string& job_dir);

std::string BackendUnderTestName(const ::testing::TestParamInfo<BackendUnderTest>& info);

class BackendConformanceTest : public ::testing::TestWithParam<BackendUnderTest> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A spec for a job named `name` (its directory is below the test's).
  JobSpec Spec(const std::string& name, const JobBehavior& behavior);
  std::vector<JobHandle> SubmitOrDie(const std::vector<JobSpec>& specs,
                                     const SubmitOptions& options = {});
  // Reconciles until the job has ended (fails the test after `timeout`).
  JobEnd WaitForEnd(const JobHandle& handle,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Reconciles until the job runs and has written DIR/started.
  void WaitForRunning(const JobHandle& handle);

  std::string dir_;
  std::unique_ptr<Backend> backend_;
  std::vector<JobHandle> submitted_;
};

}  // namespace hpcflow::backends::testing

#endif  // HPCFLOW_TESTS_BACKENDS_BACKEND_CONFORMANCE_H_
