#include "backends/slurm/array_plan.h"

#include <algorithm>
#include <map>
#include <string>

#include "backends/slurm/sbatch_script.h"

namespace hpcflow::backends::slurm {

namespace {

// Resource options joined with a separator that no argv word contains.
std::string GroupKey(const JobSpec& spec) {
  std::string key;
  for (const auto& arg : ResourceArguments(spec)) {
    key += arg;
    key += '\0';
  }
  return key;
}

}  // namespace

std::vector<SubmitUnit> PlanUnits(const std::vector<const JobSpec*>& jobs, int max_array_size,
                                  int max_concurrent) {
  std::vector<std::vector<size_t>> groups;
  std::map<std::string, size_t> group_of_key;
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto [it, inserted] = group_of_key.emplace(GroupKey(*jobs[i]), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(i);
  }

  const size_t chunk = static_cast<size_t>(std::max(1, max_array_size));
  std::vector<SubmitUnit> units;
  for (const auto& group : groups) {
    for (size_t begin = 0; begin < group.size(); begin += chunk) {
      SubmitUnit unit;
      size_t end = std::min(group.size(), begin + chunk);
      unit.jobs.assign(group.begin() + static_cast<std::ptrdiff_t>(begin),
                       group.begin() + static_cast<std::ptrdiff_t>(end));
      unit.is_array = unit.jobs.size() > 1;
      units.push_back(std::move(unit));
    }
  }

  if (max_concurrent > 0 && !units.empty()) {
    const int lanes = static_cast<int>(std::min<size_t>(units.size(), max_concurrent));
    for (size_t u = 0; u < units.size(); ++u) {
      int lane = static_cast<int>(u % lanes);
      int share = max_concurrent / lanes + (lane < max_concurrent % lanes ? 1 : 0);
      // A throttle at least the array's size limits nothing: leave it out.
      if (units[u].is_array && share < static_cast<int>(units[u].jobs.size())) {
        units[u].throttle = share;
      }
      if (u >= static_cast<size_t>(lanes)) units[u].after_unit = static_cast<int>(u) - lanes;
    }
  }
  return units;
}

}  // namespace hpcflow::backends::slurm
