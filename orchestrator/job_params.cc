#include "orchestrator/job_params.h"

#include <filesystem>

#include "backends/local/local_process.h"
#include "common/time_format.h"

namespace hpcflow::orchestrator {

namespace {

const char* const kSchedulerOnly[] = {"Memory", "Time",    "Nodes",      "Gpus",      "Partition",
                                      "Account", "Qos",    "Constraint", "SbatchArgs"};

}  // namespace

Result<backends::JobSpec> JobSpecFromParameters(const TaskResource& resource,
                                                const Json& params,
                                                std::vector<std::string>& ignored) {
  backends::JobSpec spec;
  if (!params.is_object() || !params.contains("Command")) {
    return Fail("States.TaskFailed",
                "The task parameters need a Command (a string for the shell, or an array of "
                "arguments)");
  }
  const Json& command = params["Command"];
  if (command.is_string()) {
    spec.shell_command = command.get<std::string>();
  } else if (command.is_array() && !command.empty()) {
    for (const auto& arg : command) {
      if (!arg.is_string()) return Fail("States.TaskFailed", "Command array items must be strings");
      spec.argv.push_back(arg.get<std::string>());
    }
  } else {
    return Fail("States.TaskFailed", "Command must be a string or a non-empty array of strings");
  }
  if (params.contains("Environment")) {
    const Json& env = params["Environment"];
    if (!env.is_object()) return Fail("States.TaskFailed", "Environment must be an object");
    for (auto it = env.begin(); it != env.end(); ++it) {
      spec.environment[it.key()] = it->is_string() ? it->get<std::string>() : DumpJson(*it);
    }
  }
  if (params.contains("WorkingDirectory")) {
    if (!params["WorkingDirectory"].is_string()) {
      return Fail("States.TaskFailed", "WorkingDirectory must be a string");
    }
    spec.working_directory = params["WorkingDirectory"].get<std::string>();
  }
  for (const char* key : {"Tasks", "Cpus"}) {
    if (!params.contains(key)) continue;
    const Json& v = params[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 1'000'000) {
      return Fail("States.TaskFailed", std::string(key) + " must be a positive integer");
    }
    (std::string(key) == "Tasks" ? spec.tasks : spec.cpus) = v.get<int>();
  }
  if (resource.service == "mpi") {
    std::vector<std::string> argv = {"mpirun", "--allow-run-as-root", "--oversubscribe", "-np",
                                     std::to_string(spec.tasks)};
    if (spec.argv.empty()) {
      argv.insert(argv.end(), {"/bin/sh", "-c", spec.shell_command});
    } else {
      argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
    }
    spec.argv = std::move(argv);
  } else if (params.contains("Tasks")) {
    ignored.push_back("Tasks");
  }
  for (const char* key : kSchedulerOnly) {
    if (params.contains(key)) ignored.push_back(key);
  }
  return spec;
}

Result<Json> TaskResultFromJobEnd(const backends::JobEnd& end, const std::string& backend,
                                  const std::string& job_id, const backends::JobFiles& files) {
  std::string stderr_tail = backends::ReadTail(files.stderr_path(), 2000);
  switch (end.kind) {
    case backends::JobEnd::Kind::kLost:
      return Fail("Job.Lost", "The job " + job_id + " ended without reporting: " + end.detail);
    case backends::JobEnd::Kind::kSignaled:
      return Fail("States.TaskFailed", "The job " + job_id + " was killed by signal " +
                                           std::to_string(end.signal) + ". stderr: " +
                                           stderr_tail);
    case backends::JobEnd::Kind::kExited:
      break;
  }
  if (end.exit_code != 0) {
    return Fail("States.TaskFailed", "The job " + job_id + " exited with code " +
                                         std::to_string(end.exit_code) + ". stderr: " +
                                         stderr_tail);
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
