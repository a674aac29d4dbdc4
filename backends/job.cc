#include "backends/job.h"

#include <array>
#include <utility>

namespace hpcflow::backends {

namespace {

constexpr std::array<std::pair<JobEnd::Kind, const char*>, 9> kKindNames = {{
    {JobEnd::Kind::kExited, "exited"},
    {JobEnd::Kind::kSignaled, "signaled"},
    {JobEnd::Kind::kTimedOut, "timed_out"},
    {JobEnd::Kind::kCancelled, "cancelled"},
    {JobEnd::Kind::kOutOfMemory, "out_of_memory"},
    {JobEnd::Kind::kNodeFail, "node_fail"},
    {JobEnd::Kind::kPreempted, "preempted"},
    {JobEnd::Kind::kBootFail, "boot_fail"},
    {JobEnd::Kind::kLost, "lost"},
}};

std::vector<std::string> StringArray(const Json& json, const char* key) {
  std::vector<std::string> out;
  if (json.contains(key) && json[key].is_array()) {
    for (const auto& a : json[key]) {
      if (a.is_string()) out.push_back(a.get<std::string>());
    }
  }
  return out;
}

}  // namespace

const char* JobEndKindName(JobEnd::Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "lost";
}

JobEnd::Kind JobEndKindFromName(const std::string& name) {
  for (const auto& [k, n] : kKindNames) {
    if (name == n) return k;
  }
  return JobEnd::Kind::kLost;
}

Json JobEndToJson(const JobEnd& end) {
  Json out = {{"kind", JobEndKindName(end.kind)},
              {"exit_code", end.exit_code},
              {"signal", end.signal},
              {"start_ms", end.start_ms},
              {"end_ms", end.end_ms}};
  if (!end.detail.empty()) out["detail"] = end.detail;
  return out;
}

JobEnd JobEndFromJson(const Json& json) {
  JobEnd end;
  if (!json.is_object()) return end;
  end.kind = JobEndKindFromName(json.value("kind", std::string("lost")));
  end.exit_code = json.value("exit_code", -1);
  end.signal = json.value("signal", 0);
  end.start_ms = json.value("start_ms", int64_t{0});
  end.end_ms = json.value("end_ms", int64_t{0});
  end.detail = json.value("detail", std::string());
  return end;
}

Json JobSpecToJson(const JobSpec& spec) {
  Json env = Json::object();
  for (const auto& [key, value] : spec.environment) env[key] = value;
  return {{"name", spec.name},
          {"job_dir", spec.job_dir},
          {"argv", spec.argv},
          {"shell_command", spec.shell_command},
          {"environment", env},
          {"working_directory", spec.working_directory},
          {"tasks", spec.tasks},
          {"cpus", spec.cpus},
          {"nodes", spec.nodes},
          {"gpus", spec.gpus},
          {"memory_mb", spec.memory_mb},
          {"time_limit_s", spec.time_limit_s},
          {"partition", spec.partition},
          {"account", spec.account},
          {"qos", spec.qos},
          {"constraint", spec.constraint},
          {"sbatch_args", spec.sbatch_args},
          {"umask", spec.umask},
          {"report_key", spec.report_key}};
}

JobSpec JobSpecFromJson(const Json& json) {
  JobSpec spec;
  if (!json.is_object()) return spec;
  spec.name = json.value("name", "");
  spec.job_dir = json.value("job_dir", "");
  spec.argv = StringArray(json, "argv");
  spec.shell_command = json.value("shell_command", "");
  if (json.contains("environment") && json["environment"].is_object()) {
    for (auto it = json["environment"].begin(); it != json["environment"].end(); ++it) {
      if (it->is_string()) spec.environment[it.key()] = it->get<std::string>();
    }
  }
  spec.working_directory = json.value("working_directory", "");
  spec.tasks = json.value("tasks", 1);
  spec.cpus = json.value("cpus", 1);
  spec.nodes = json.value("nodes", 0);
  spec.gpus = json.value("gpus", 0);
  spec.memory_mb = json.value("memory_mb", int64_t{0});
  spec.time_limit_s = json.value("time_limit_s", int64_t{0});
  spec.partition = json.value("partition", "");
  spec.account = json.value("account", "");
  spec.qos = json.value("qos", "");
  spec.constraint = json.value("constraint", "");
  spec.sbatch_args = StringArray(json, "sbatch_args");
  spec.umask = json.value("umask", -1);
  spec.report_key = json.value("report_key", "");
  return spec;
}

Status CheckEnvironment(const std::map<std::string, std::string>& environment) {
  for (const auto& [name, value] : environment) {
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) {
      valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_');
    }
    if (!valid) {
      return Fail("usage", "the environment variable name " + DumpJson(Json(name)) +
                               " is not valid: use letters, digits and '_', not starting with "
                               "a digit (the rule of every backend)");
    }
    if (value.find('\0') != std::string::npos) {
      return Fail("usage", "the value of the environment variable '" + name +
                               "' holds a NUL character, which no process environment can carry");
    }
  }
  return {};
}

}  // namespace hpcflow::backends
