#include "orchestrator/runtime/job_params.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>

#include "backends/local/local_process.h"
#include "common/time_format.h"

namespace hpcflow::orchestrator {

namespace {

constexpr int64_t kMaxCount = 1'000'000;

// The parameters a backend may or may not understand, checked for `ignored`.
const char* const kResourceParameters[] = {
    "Environment", "WorkingDirectory", "Cpus",    "Tasks", "Nodes",      "Gpus",      "Memory",
    "Time",        "Partition",        "Account", "Qos",   "Constraint", "SbatchArgs"};

auto Bad(const std::string& parameter, const std::string& what, const Json& value) {
  return Fail("States.TaskFailed", parameter + " must be " + what + ", not " + DumpJson(value));
}

bool ParseInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

// Slurm's --mem: a number with an optional K, M, G or T suffix (binary
// units; no suffix means megabytes).
std::optional<int64_t> MemoryMb(const Json& value) {
  if (value.is_number_integer()) {
    int64_t mb = value.get<int64_t>();
    return mb > 0 ? std::optional<int64_t>(mb) : std::nullopt;
  }
  if (value.is_number_float()) {
    double mb = value.get<double>();
    if (!(mb > 0) || mb > 1e15) return std::nullopt;
    return static_cast<int64_t>(std::ceil(mb));
  }
  if (!value.is_string()) return std::nullopt;
  std::string text = value.get<std::string>();
  if (text.empty()) return std::nullopt;
  int64_t kib_per_unit = 1024;  // M
  char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  if (std::isalpha(static_cast<unsigned char>(unit))) {
    text.pop_back();
    switch (unit) {
      case 'K':
        kib_per_unit = 1;
        break;
      case 'M':
        kib_per_unit = 1024;
        break;
      case 'G':
        kib_per_unit = 1024 * 1024;
        break;
      case 'T':
        kib_per_unit = int64_t{1024} * 1024 * 1024;
        break;
      default:
        return std::nullopt;
    }
  }
  int64_t amount = 0;
  if (!ParseInt(text, amount) || amount == 0) return std::nullopt;
  if (amount > std::numeric_limits<int64_t>::max() / kib_per_unit) return std::nullopt;
  return (amount * kib_per_unit + 1023) / 1024;
}

// Slurm's --time: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM",
// "D-HH:MM:SS"; a number is minutes.
std::optional<int64_t> TimeSeconds(const Json& value) {
  if (value.is_number_integer()) {
    int64_t minutes = value.get<int64_t>();
    if (minutes <= 0 || minutes > std::numeric_limits<int64_t>::max() / 60) return std::nullopt;
    return minutes * 60;
  }
  if (value.is_number_float()) {
    double minutes = value.get<double>();
    if (!(minutes > 0) || minutes > 1e12) return std::nullopt;
    return static_cast<int64_t>(std::ceil(minutes * 60));
  }
  if (!value.is_string()) return std::nullopt;
  std::string_view text = value.get_ref<const std::string&>();
  int64_t days = -1;
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    if (!ParseInt(text.substr(0, dash), days)) return std::nullopt;
    text = text.substr(dash + 1);
  }
  std::vector<int64_t> fields;
  while (true) {
    auto colon = text.find(':');
    int64_t field = 0;
    if (!ParseInt(text.substr(0, colon), field)) return std::nullopt;
    fields.push_back(field);
    if (colon == std::string_view::npos) break;
    text = text.substr(colon + 1);
  }
  if (fields.size() > 3) return std::nullopt;
  int64_t seconds = 0;
  if (days >= 0) {
    // D-HH, D-HH:MM, D-HH:MM:SS
    int64_t multipliers[] = {3600, 60, 1};
    for (size_t i = 0; i < fields.size(); ++i) seconds += fields[i] * multipliers[i];
    seconds += days * 86400;
  } else if (fields.size() == 1) {
    seconds = fields[0] * 60;  // MM
  } else if (fields.size() == 2) {
    seconds = fields[0] * 60 + fields[1];  // MM:SS
  } else {
    seconds = fields[0] * 3600 + fields[1] * 60 + fields[2];  // HH:MM:SS
  }
  if (seconds <= 0) return std::nullopt;
  return seconds;
}

Status ReadCount(const Json& params, const char* key, int& out) {
  if (!params.contains(key)) return {};
  const Json& v = params[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxCount) {
    return Bad(key, "a positive integer", v);
  }
  out = v.get<int>();
  return {};
}

Status ReadString(const Json& params, const char* key, std::string& out) {
  if (!params.contains(key)) return {};
  const Json& v = params[key];
  if (!v.is_string()) return Bad(key, "a string", v);
  out = v.get<std::string>();
  return {};
}

Status ReadCommand(const Json& params, backends::JobSpec& spec) {
  if (!params.contains("Command")) {
    return Fail("States.TaskFailed",
                "The task parameters need a Command (a string for the shell, or an array of "
                "arguments)");
  }
  const Json& command = params["Command"];
  if (command.is_string()) {
    spec.shell_command = command.get<std::string>();
    return {};
  }
  if (command.is_array() && !command.empty()) {
    for (const auto& arg : command) {
      if (!arg.is_string()) return Bad("Command", "an array of strings", command);
      spec.argv.push_back(arg.get<std::string>());
    }
    return {};
  }
  return Bad("Command", "a string or a non-empty array of strings", command);
}

}  // namespace

Result<backends::JobSpec> JobSpecFromParameters(
    const Json& params, const std::function<bool(const std::string&)>& understands,
    std::vector<std::string>& ignored) {
  backends::JobSpec spec;
  if (!params.is_object()) {
    return Fail("States.TaskFailed",
                "The task parameters must be an object with a Command, not " + DumpJson(params));
  }
  if (auto s = ReadCommand(params, spec); !s) return Fail(s.error());
  if (params.contains("Environment")) {
    const Json& env = params["Environment"];
    if (!env.is_object()) return Bad("Environment", "an object", env);
    for (auto it = env.begin(); it != env.end(); ++it) {
      spec.environment[it.key()] = it->is_string() ? it->get<std::string>() : DumpJson(*it);
    }
    if (auto checked = backends::CheckEnvironment(spec.environment); !checked) {
      return Fail("States.TaskFailed", "Environment: " + checked.error().cause);
    }
  }
  for (auto status :
       {ReadString(params, "WorkingDirectory", spec.working_directory),
        ReadCount(params, "Cpus", spec.cpus), ReadCount(params, "Tasks", spec.tasks),
        ReadCount(params, "Nodes", spec.nodes), ReadCount(params, "Gpus", spec.gpus),
        ReadString(params, "Partition", spec.partition),
        ReadString(params, "Account", spec.account), ReadString(params, "Qos", spec.qos),
        ReadString(params, "Constraint", spec.constraint)}) {
    if (!status) return Fail(status.error());
  }
  if (params.contains("Memory")) {
    auto mb = MemoryMb(params["Memory"]);
    if (!mb) {
      return Bad("Memory", "a size like \"512M\", \"4G\", \"1T\" or a number of megabytes",
                 params["Memory"]);
    }
    spec.memory_mb = *mb;
  }
  if (params.contains("Time")) {
    auto seconds = TimeSeconds(params["Time"]);
    if (!seconds) {
      return Bad("Time",
                 "a positive time limit like \"30\" (minutes), \"MM:SS\", \"HH:MM:SS\", "
                 "\"D-HH\", \"D-HH:MM\", \"D-HH:MM:SS\" or a number of minutes",
                 params["Time"]);
    }
    spec.time_limit_s = *seconds;
  }
  if (params.contains("SbatchArgs")) {
    const Json& args = params["SbatchArgs"];
    if (!args.is_array()) return Bad("SbatchArgs", "an array of strings", args);
    for (const auto& arg : args) {
      if (!arg.is_string()) return Bad("SbatchArgs", "an array of strings", args);
      spec.sbatch_args.push_back(arg.get<std::string>());
    }
  }
  for (const char* key : kResourceParameters) {
    if (params.contains(key) && !understands(key)) ignored.push_back(key);
  }
  return spec;
}

Result<backends::JobSpec> JobSpecFromParameters(const Json& params,
                                                const backends::Backend& backend,
                                                std::vector<std::string>& ignored) {
  return JobSpecFromParameters(
      params, [&backend](const std::string& p) { return backend.Understands(p); }, ignored);
}

std::string JobIdOf(const backends::JobHandle& handle) {
  return handle.job_id.empty() ? handle.name : handle.job_id;
}

Json AcceptedJobResult(const std::string& backend, const backends::JobHandle& handle) {
  backends::JobFiles files(handle.job_dir);
  return {{"Backend", backend},
          {"JobId", JobIdOf(handle)},
          {"Stdout", files.stdout_path()},
          {"Stderr", files.stderr_path()}};
}

Result<Json> TaskResultFromJobEnd(const backends::JobEnd& end, const std::string& backend,
                                  const std::string& job_id, const backends::JobFiles& files) {
  using Kind = backends::JobEnd::Kind;
  auto stderr_tail = [&] { return backends::ReadTail(files.stderr_path(), 2000); };
  auto with_detail = [&](std::string cause) {
    return end.detail.empty() ? cause : cause + ": " + end.detail;
  };
  std::string job = "The job " + job_id;
  switch (end.kind) {
    case Kind::kExited:
      if (end.exit_code != 0) {
        return Fail("States.TaskFailed", job + " exited with code " +
                                             std::to_string(end.exit_code) +
                                             ". stderr: " + stderr_tail());
      }
      break;
    case Kind::kSignaled:
      return Fail("States.TaskFailed", job + " was killed by signal " + std::to_string(end.signal) +
                                           ". stderr: " + stderr_tail());
    case Kind::kTimedOut:
      return Fail("States.Timeout", with_detail(job + " ran past its time limit"));
    case Kind::kCancelled:
      return Fail(backend == "slurm" ? "Slurm.Cancelled" : "Job.Cancelled",
                  with_detail(job + " was cancelled"));
    case Kind::kOutOfMemory:
      return Fail("Slurm.OutOfMemory",
                  with_detail(job + " ran out of memory") + ". stderr: " + stderr_tail());
    case Kind::kNodeFail:
      return Fail("Slurm.NodeFail", with_detail(job + " failed with its node"));
    case Kind::kPreempted:
      return Fail("Slurm.Preempted", with_detail(job + " was preempted"));
    case Kind::kBootFail:
      return Fail("Slurm.BootFail", with_detail(job + "'s node failed to boot"));
    case Kind::kLost:
      return Fail("Job.Lost", job + " ended without reporting: " + end.detail);
  }
  Json result = {{"ExitCode", end.exit_code},
                 {"Backend", backend},
                 {"JobId", job_id},
                 {"State", "COMPLETED"},
                 {"Stdout", files.stdout_path()},
                 {"Stderr", files.stderr_path()},
                 {"StartTime", FormatTimeMs(end.start_ms)},
                 {"EndTime", FormatTimeMs(end.end_ms)}};
  std::error_code ec;
  if (std::filesystem::exists(files.result(), ec)) {
    auto text = ReadFile(files.result());
    if (!text) return Fail("States.TaskFailed", text.error().cause);
    auto value = ParseJson(*text);
    if (!value) {
      return Fail("States.TaskFailed",
                  "The job wrote invalid JSON to HPCFLOW_RESULT: " + value.error().cause);
    }
    result["Result"] = std::move(*value);
  }
  return result;
}

}  // namespace hpcflow::orchestrator
