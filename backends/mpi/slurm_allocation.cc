#include "backends/mpi/slurm_allocation.h"

#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>
#include <cstdlib>
#include <sstream>

namespace hpcflow::backends {

namespace bp = boost::process;

std::vector<int> ExpandSlurmCounts(const std::string& compact) {
  std::vector<int> counts;
  std::stringstream items(compact);
  std::string item;
  while (std::getline(items, item, ',')) {
    int count = 0;
    int repeat = 1;
    char open = 0, x = 0, close = 0;
    std::istringstream in(item);
    if (!(in >> count) || count < 1) return {};
    if (in >> open) {
      if (open != '(' || !(in >> x) || x != 'x' || !(in >> repeat) || !(in >> close) ||
          close != ')' || repeat < 1) {
        return {};
      }
    }
    counts.insert(counts.end(), repeat, count);
  }
  return counts;
}

std::map<std::string, std::string> SlurmEnvironmentOfProcess() {
  std::map<std::string, std::string> env;
  for (const char* name : {"SLURM_JOB_ID", "SLURM_JOB_NODELIST", "SLURM_TASKS_PER_NODE",
                           "SLURM_JOB_CPUS_PER_NODE", "SLURM_CONF"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

Result<std::vector<MpiHost>> SlurmAllocationHosts(
    const std::map<std::string, std::string>& slurm_env, const std::string& scontrol) {
  auto get = [&](const char* name) -> const std::string* {
    auto it = slurm_env.find(name);
    return it == slurm_env.end() ? nullptr : &it->second;
  };
  const std::string* nodelist = get("SLURM_JOB_NODELIST");
  if (get("SLURM_JOB_ID") == nullptr || nodelist == nullptr || nodelist->empty()) {
    return std::vector<MpiHost>{};
  }
  std::vector<std::string> names;
  try {
    auto program = scontrol.find('/') == std::string::npos ? bp::search_path(scontrol)
                                                           : boost::filesystem::path(scontrol);
    if (program.empty()) return Fail("mpi", "cannot find '" + scontrol + "' in PATH");
    bp::environment env = boost::this_process::environment();
    if (const std::string* conf = get("SLURM_CONF")) env["SLURM_CONF"] = *conf;
    bp::ipstream out;
    bp::child child(program, "show", "hostnames", *nodelist, env, bp::std_out > out,
                    bp::std_err > bp::null);
    std::string line;
    while (std::getline(out, line)) {
      if (!line.empty()) names.push_back(line);
    }
    child.wait();
    if (child.exit_code() != 0 || names.empty()) {
      return Fail("mpi", "'" + scontrol + " show hostnames " + *nodelist + "' failed (exit code " +
                             std::to_string(child.exit_code()) + ")");
    }
  } catch (const std::exception& e) {
    return Fail("mpi", "cannot run '" + scontrol + " show hostnames': " + e.what());
  }
  std::vector<int> slots;
  for (const char* variable : {"SLURM_TASKS_PER_NODE", "SLURM_JOB_CPUS_PER_NODE"}) {
    const std::string* value = get(variable);
    if (value == nullptr) continue;
    slots = ExpandSlurmCounts(*value);
    if (slots.size() == names.size()) break;
    slots.clear();
  }
  std::vector<MpiHost> hosts;
  for (size_t i = 0; i < names.size(); ++i) {
    hosts.push_back({names[i], slots.empty() ? 1 : slots[i]});
  }
  return hosts;
}

std::string MpiHostList(const std::vector<MpiHost>& hosts) {
  std::string list;
  for (const MpiHost& host : hosts) {
    if (!list.empty()) list += ",";
    list += host.name + ":" + std::to_string(host.slots);
  }
  return list;
}

}  // namespace hpcflow::backends
