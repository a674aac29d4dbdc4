#include "backends/job.h"

namespace hpcflow::backends {

Json JobSpecToJson(const JobSpec& spec) {
  Json env = Json::object();
  for (const auto& [key, value] : spec.environment) env[key] = value;
  return {{"name", spec.name},           {"job_dir", spec.job_dir},
          {"argv", spec.argv},           {"shell_command", spec.shell_command},
          {"environment", env},          {"working_directory", spec.working_directory},
          {"tasks", spec.tasks},         {"cpus", spec.cpus}};
}

JobSpec JobSpecFromJson(const Json& json) {
  JobSpec spec;
  spec.name = json.value("name", "");
  spec.job_dir = json.value("job_dir", "");
  if (json.contains("argv") && json["argv"].is_array()) {
    for (const auto& a : json["argv"]) {
      if (a.is_string()) spec.argv.push_back(a.get<std::string>());
    }
  }
  spec.shell_command = json.value("shell_command", "");
  if (json.contains("environment") && json["environment"].is_object()) {
    for (auto it = json["environment"].begin(); it != json["environment"].end(); ++it) {
      if (it->is_string()) spec.environment[it.key()] = it->get<std::string>();
    }
  }
  spec.working_directory = json.value("working_directory", "");
  spec.tasks = json.value("tasks", 1);
  spec.cpus = json.value("cpus", 1);
  return spec;
}

}  // namespace hpcflow::backends
