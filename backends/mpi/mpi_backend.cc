#include "backends/mpi/mpi_backend.h"

#include <cstdlib>
#include <set>

namespace hpcflow::backends {

MpiBackend::MpiBackend(MpiOptions options)
    : LocalBackend(options.local), options_(std::move(options)) {}

bool MpiBackend::Understands(const std::string& parameter) const {
  static const std::set<std::string> kUnderstood = {"Command", "Environment", "WorkingDirectory",
                                                    "Tasks",   "Cpus",        "Time"};
  return kUnderstood.count(parameter) > 0;
}

std::map<std::string, int64_t> MpiBackend::CommandCounts() const {
  std::map<std::string, int64_t> counts = {{"mpirun", wrappers_started()}};
  std::lock_guard<std::mutex> lock(hosts_mutex_);
  if (scontrol_runs_ > 0) counts["scontrol"] = scontrol_runs_;
  return counts;
}

Result<std::vector<MpiHost>> MpiBackend::Hosts() const {
  std::lock_guard<std::mutex> lock(hosts_mutex_);
  if (!hosts_) {
    auto env = options_.slurm_environment.value_or(SlurmEnvironmentOfProcess());
    hosts_ = SlurmAllocationHosts(env, options_.scontrol);
    if (env.count("SLURM_JOB_ID") && env.count("SLURM_JOB_NODELIST")) ++scontrol_runs_;
  }
  return *hosts_;
}

Result<JobSpec> MpiBackend::Prepare(const JobSpec& spec) const {
  auto hosts = Hosts();
  if (!hosts) return Fail(hosts.error());
  JobSpec prepared = spec;
  std::vector<std::string> argv = {options_.mpirun, "--allow-run-as-root", "--oversubscribe", "-np",
                                   std::to_string(std::max(1, spec.tasks))};
  if (!hosts->empty()) argv.insert(argv.end(), {"--host", MpiHostList(*hosts)});
  if (spec.argv.empty()) {
    argv.insert(argv.end(), {"/bin/sh", "-c", spec.shell_command});
  } else {
    argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
  }
  prepared.argv = std::move(argv);
  prepared.shell_command.clear();
  return prepared;
}

}  // namespace hpcflow::backends
