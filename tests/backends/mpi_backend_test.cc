// The conformance suite for the MPI backend (real Open MPI mpirun), and its
// use of a Slurm allocation's hosts.
#include <filesystem>
#include <fstream>
#include <thread>

#include "backend_conformance.h"
#include "backends/job_dir.h"
#include "backends/mpi/mpi_backend.h"

namespace hpcflow::backends::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

MpiOptions ConformanceMpiOptions() {
  MpiOptions options;
  options.local.cores = 16;
  options.local.wrapper_command = {HPCFLOW_BINARY, "job-wrapper"};
  options.mpirun = HPCFLOW_MPIRUN;
  options.slurm_environment = std::map<std::string, std::string>{};  // not in an allocation
  return options;
}

BackendUnderTest MpiUnderTest() {
  BackendUnderTest mpi;
  mpi.name = "mpi";
  mpi.make = [] { return std::make_unique<MpiBackend>(ConformanceMpiOptions()); };
  mpi.describe = DescribeAsShell;
  mpi.runs = CountRunLines;
  mpi.success_tasks = 2;
  mpi.unsupported = {
      {"KilledBySignal",
       "mpirun reports a rank killed by a signal as its own non-zero exit status, so the job "
       "ends kExited, not kSignaled"},
  };
  return mpi;
}

INSTANTIATE_TEST_SUITE_P(Mpi, BackendConformanceTest, ::testing::Values(MpiUnderTest()),
                         BackendUnderTestName);

TEST(MpiBackendTest, UnderstandsRanksAndCpus) {
  MpiBackend backend(ConformanceMpiOptions());
  for (const char* yes : {"Tasks", "Cpus", "Time", "Command", "Environment"}) {
    EXPECT_TRUE(backend.Understands(yes)) << yes;
  }
  for (const char* no : {"Memory", "Partition", "Nodes", "Gpus", "SbatchArgs"}) {
    EXPECT_FALSE(backend.Understands(no)) << no;
  }
}

TEST(MpiBackendTest, ExpandsSlurmCounts) {
  EXPECT_EQ(ExpandSlurmCounts("2(x3),1"), (std::vector<int>{2, 2, 2, 1}));
  EXPECT_EQ(ExpandSlurmCounts("4"), (std::vector<int>{4}));
  EXPECT_TRUE(ExpandSlurmCounts("2(y3)").empty());
  EXPECT_TRUE(ExpandSlurmCounts("").empty());
}

// Inside an allocation the ranks go to the allocation's hosts. A minimal
// slurm.conf lets the real scontrol expand the node list without a cluster.
TEST(MpiBackendTest, RunsOnTheHostsOfTheSlurmAllocation) {
  std::string pattern = (fs::temp_directory_path() / "hpcflow-mpi-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  std::string dir = pattern;
  if (system("command -v scontrol >/dev/null") != 0) GTEST_SKIP() << "scontrol is not installed";
  std::ofstream(dir + "/slurm.conf") << "ClusterName=test\nSlurmctldHost=localhost\n"
                                        "NodeName=localhost CPUs=2\n"
                                        "PartitionName=p Nodes=localhost\n";
  MpiOptions options = ConformanceMpiOptions();
  options.slurm_environment =
      std::map<std::string, std::string>{{"SLURM_JOB_ID", "42"},
                                         {"SLURM_JOB_NODELIST", "localhost"},
                                         {"SLURM_TASKS_PER_NODE", "2"},
                                         {"SLURM_CONF", dir + "/slurm.conf"}};
  MpiBackend backend(options);
  JobSpec spec;
  spec.name = "ranks";
  spec.job_dir = dir + "/ranks";
  spec.tasks = 2;
  spec.shell_command = "echo rank";
  auto handles = backend.Submit({spec}, {});
  ASSERT_TRUE(handles) << handles.error().cause;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  JobStatus status;
  while (Clock::now() < deadline) {
    status = backend.Reconcile(*handles).at(0);
    if (status.kind == JobStatus::Kind::kEnded) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(status.kind, JobStatus::Kind::kEnded);
  EXPECT_EQ(status.end.kind, JobEnd::Kind::kExited);
  EXPECT_EQ(status.end.exit_code, 0) << *ReadFile(JobFiles(spec.job_dir).stderr_path());
  auto written = ReadJsonFile(JobFiles(spec.job_dir).spec());
  ASSERT_TRUE(written);
  std::string argv = DumpJson((*written)["argv"]);
  EXPECT_NE(argv.find(R"("--host","localhost:2")"), std::string::npos) << argv;
  EXPECT_EQ(*ReadFile(JobFiles(spec.job_dir).stdout_path()), "rank\nrank\n");
  EXPECT_EQ(backend.CommandCounts(),
            (std::map<std::string, int64_t>{{"mpirun", 1}, {"scontrol", 1}}));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace hpcflow::backends::testing
