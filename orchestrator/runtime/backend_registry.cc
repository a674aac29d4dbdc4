#include "orchestrator/runtime/backend_registry.h"

#include <unistd.h>

#include <cstdlib>

#include "backends/fake/fake_backend.h"
#include "backends/local/local_backend.h"
#include "backends/mpi/mpi_backend.h"
#include "backends/slurm/slurm_backend.h"

namespace hpcflow::orchestrator {

namespace {

const char* const kNames[] = {"local", "mpi", "slurm", "fake"};

// True when `program` is an executable on PATH.
bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(start, colon - start);
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    start = colon + 1;
  }
  return false;
}

// The job launcher next to `hpcflow` (a small binary: cheaper forks), else
// the same code as a subcommand of hpcflow itself.
std::vector<std::string> LauncherCommand(const std::string& hpcflow_binary) {
  size_t slash = hpcflow_binary.rfind('/');
  if (slash != std::string::npos) {
    std::string sibling = hpcflow_binary.substr(0, slash + 1) + "hpcflow-job-launcher";
    if (access(sibling.c_str(), X_OK) == 0) return {sibling};
  }
  return {hpcflow_binary, "job-launcher"};
}

}  // namespace

BackendRegistry::BackendRegistry(std::string hpcflow_binary, EndSink on_end, QueueSink on_queued,
                                 QueueSink on_dequeued)
    : binary_(std::move(hpcflow_binary)),
      on_end_(std::move(on_end)),
      on_queued_(std::move(on_queued)),
      on_dequeued_(std::move(on_dequeued)) {}

BackendRegistry::~BackendRegistry() = default;

bool BackendRegistry::IsKnown(const std::string& name) {
  for (const char* known : kNames) {
    if (name == known) return true;
  }
  return false;
}

std::string BackendRegistry::KnownNames() { return "local, mpi, slurm, fake"; }

backends::BackendCapabilities BackendRegistry::CapabilitiesOf(const std::string& name) {
  auto backend = Get(name);
  return backend ? (*backend)->Capabilities() : backends::BackendCapabilities{};
}

Result<backends::Backend*> BackendRegistry::Get(const std::string& name) {
  if (auto it = backends_.find(name); it != backends_.end()) return it->second.get();
  std::unique_ptr<backends::Backend> backend;
  std::vector<std::string> wrapper = {binary_, "job-wrapper"};
  std::vector<std::string> launcher = LauncherCommand(binary_);
  if (name == "local") {
    backends::LocalOptions options;
    options.wrapper_command = wrapper;
    options.launcher_command = launcher;
    options.on_end = on_end_;
    options.on_queued = on_queued_;
    options.on_dequeued = on_dequeued_;
    backend = std::make_unique<backends::LocalBackend>(options);
  } else if (name == "mpi") {
    if (!OnPath("mpirun")) {
      return Fail("hpcflow.BackendUnavailable",
                  "the mpi backend needs mpirun (Open MPI) on PATH; it is not there");
    }
    backends::MpiOptions options;
    options.local.wrapper_command = wrapper;
    options.local.launcher_command = launcher;
    options.local.on_end = on_end_;
    options.local.on_queued = on_queued_;
    options.local.on_dequeued = on_dequeued_;
    backend = std::make_unique<backends::MpiBackend>(options);
  } else if (name == "slurm") {
    if (!OnPath("sbatch")) {
      return Fail("hpcflow.BackendUnavailable",
                  "the slurm backend needs Slurm's commands (sbatch, squeue, scancel, "
                  "scontrol) on PATH; sbatch is not there");
    }
    backends::SlurmBackendOptions options;
    options.hpcflow_binary = binary_;
    backend = std::make_unique<backends::SlurmBackend>(options);
  } else if (name == "fake") {
    backends::FakeOptions options;
    options.on_end = on_end_;
    options.on_queued = on_queued_;
    options.on_dequeued = on_dequeued_;
    backend = std::make_unique<backends::FakeBackend>(options);
  } else {
    return Fail("hpcflow.BackendUnavailable",
                "unknown backend '" + name + "' (known: " + KnownNames() + ")");
  }
  backends::Backend* raw = backend.get();
  backends_.emplace(name, std::move(backend));
  return raw;
}

Json BackendRegistry::CommandCounts() const {
  Json out = Json::object();
  for (const auto& [name, backend] : backends_) {
    auto counts = backend->CommandCounts();
    if (counts.empty()) continue;
    Json row = Json::object();
    for (const auto& [command, n] : counts) row[command] = n;
    out[name] = std::move(row);
  }
  return out;
}

}  // namespace hpcflow::orchestrator
