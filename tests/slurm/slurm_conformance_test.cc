// The backend conformance suite (tests/backends/backend_conformance.h) run
// against the Slurm backend on the real test cluster (SLURM_CONF), with the
// real `hpcflow job-wrapper`: the same cases as local, mpi and fake.
#include <memory>

#include "backend_conformance.h"
#include "backends/slurm/slurm_backend.h"

namespace hpcflow::backends::testing {
namespace {

BackendUnderTest SlurmUnderTest() {
  BackendUnderTest slurm;
  slurm.name = "slurm";
  slurm.make = [] {
    SlurmBackendOptions options;
    options.hpcflow_binary = HPCFLOW_BINARY;
    return std::make_unique<SlurmBackend>(options);
  };
  slurm.describe = DescribeAsShell;
  slurm.runs = CountRunLines;
  // The scheduler starts jobs in seconds, not milliseconds.
  slurm.start_timeout = std::chrono::milliseconds(60'000);
  return slurm;
}

INSTANTIATE_TEST_SUITE_P(Slurm, BackendConformanceTest, ::testing::Values(SlurmUnderTest()),
                         BackendUnderTestName);

}  // namespace
}  // namespace hpcflow::backends::testing
