#include "orchestrator/cli/local_task_executor.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "backends/job_environment.h"
#include "backends/local/local_process.h"
#include "common/time_format.h"
#include "orchestrator/runtime/task_resource.h"

namespace hpcflow::orchestrator {

namespace {

namespace fs = std::filesystem;

// Parameters a local process can use; the others are for schedulers.
const char* const kSchedulerOnly[] = {"Memory",  "Time", "Nodes",      "Gpus",      "Partition",
                                      "Account", "Qos",  "Constraint", "SbatchArgs"};

std::string SafeName(const std::string& text) {
  std::string out;
  for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return out.substr(0, 60);
}

}  // namespace

LocalTaskExecutor::LocalTaskExecutor(std::string run_dir, std::string execution_id,
                                     std::function<void(TaskCompletion)> on_done)
    : run_dir_(std::move(run_dir)),
      execution_id_(std::move(execution_id)),
      on_done_(std::move(on_done)) {}

LocalTaskExecutor::~LocalTaskExecutor() { Shutdown(); }

void LocalTaskExecutor::Start(const workflows::TaskRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.emplace_back([this, request] { RunJob(request); });
}

void LocalTaskExecutor::Cancel(uint64_t task_id) {
  pid_t group = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_[task_id] = true;
    auto it = running_.find(task_id);
    if (it != running_.end()) group = it->second;
  }
  if (group > 0) backends::LocalProcess::KillGroup(group);
}

void LocalTaskExecutor::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [task, group] : running_) cancelled_[task] = true;
    for (const auto& [task, group] : running_) kill(-group, SIGTERM);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void LocalTaskExecutor::Report(TaskCompletion completion) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.erase(completion.task_id);
    if (cancelled_.count(completion.task_id)) return;
  }
  on_done_(std::move(completion));
}

void LocalTaskExecutor::RunJob(workflows::TaskRequest request) {
  TaskCompletion done;
  done.task_id = request.task_id;
  auto fail = [&](std::string name, std::string cause) {
    done.ok = false;
    done.error = {std::move(name), std::move(cause)};
    Report(std::move(done));
  };
  auto resource = ParseTaskResource(request.resource);
  if (!resource) return fail(resource.error().name, resource.error().cause);
  if (resource->service == "slurm" || resource->service == "states") {
    return fail("hpcflow.UnsupportedResource",
                "'" + request.resource + "' needs the " +
                    (resource->service == "slurm" ? std::string("Slurm backend")
                                                  : std::string("durable server")) +
                    ", which `hpcflow run` does not have yet");
  }
  if (resource->wait == WaitMode::kTaskToken) {
    return fail("hpcflow.UnsupportedResource",
                ".waitForTaskToken needs the callback server, which `hpcflow run` does not "
                "have yet");
  }
  const Json& params = request.parameters;
  if (!params.is_object() || !params.contains("Command")) {
    return fail("States.TaskFailed",
                "The task parameters need a Command (a string for the "
                "shell, or an array of arguments)");
  }
  backends::ProcessSpec spec;
  const Json& command = params["Command"];
  if (command.is_string()) {
    spec.shell_command = command.get<std::string>();
  } else if (command.is_array() && !command.empty()) {
    for (const auto& arg : command) {
      if (!arg.is_string()) return fail("States.TaskFailed", "Command array items must be strings");
      spec.argv.push_back(arg.get<std::string>());
    }
  } else {
    return fail("States.TaskFailed", "Command must be a string or a non-empty array of strings");
  }
  if (resource->service == "mpi") {
    int ranks = params.contains("Tasks") && params["Tasks"].is_number_integer()
                    ? params["Tasks"].get<int>()
                    : 1;
    std::vector<std::string> argv = {"mpirun", "--allow-run-as-root", "--oversubscribe", "-np",
                                     std::to_string(ranks)};
    if (spec.argv.empty()) {
      argv.insert(argv.end(), {"/bin/sh", "-c", spec.shell_command});
    } else {
      argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
    }
    spec.argv = std::move(argv);
  }
  if (params.contains("Environment")) {
    const Json& env = params["Environment"];
    if (!env.is_object()) return fail("States.TaskFailed", "Environment must be an object");
    for (auto it = env.begin(); it != env.end(); ++it) {
      spec.environment[it.key()] = it->is_string() ? it->get<std::string>() : DumpJson(*it);
    }
  }
  if (params.contains("WorkingDirectory") && params["WorkingDirectory"].is_string()) {
    spec.working_directory = params["WorkingDirectory"].get<std::string>();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!warned_resources_) {
      for (const char* key : kSchedulerOnly) {
        if (params.contains(key)) {
          std::cerr << "hpcflow: note: the local backend ignores " << key << "\n";
          warned_resources_ = true;
        }
      }
    }
  }

  std::string base = run_dir_ + "/" + SafeName(request.state_name) + "-" +
                     std::to_string(request.task_id) + "-" + std::to_string(request.attempt);
  std::error_code ec;
  fs::create_directories(run_dir_, ec);
  std::string input_path = base + ".input.json";
  std::string result_path = base + ".result.json";
  spec.stdout_path = base + ".out";
  spec.stderr_path = base + ".err";
  {
    std::ofstream input(input_path);
    input << DumpJson(params);
    if (!input) return fail("States.TaskFailed", "cannot write " + input_path);
  }
  fs::remove(result_path, ec);
  backends::JobEnvironment job;
  job.execution_id = execution_id_;
  job.state_name = request.state_name;
  job.input_path = input_path;
  job.result_path = result_path;
  job.item_index = request.map_item_index;
  backends::AddJobEnvironment(job, spec.environment);

  auto start_time = std::chrono::system_clock::now();
  auto process = backends::LocalProcess::Start(spec);
  if (!process) return fail("States.TaskFailed", process.error().cause);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_[request.task_id] = process->pid();
  }
  auto to_ms = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  Json output = {{"Backend", resource->service == "mpi" ? "mpi" : "local"},
                 {"JobId", std::to_string(process->pid())},
                 {"Stdout", spec.stdout_path},
                 {"Stderr", spec.stderr_path},
                 {"StartTime", FormatTimeMs(to_ms(start_time))}};
  if (resource->wait == WaitMode::kRequestResponse) {
    // Fire and forget: the job runs on; reap it in this thread so it does
    // not stay a zombie.
    done.ok = true;
    done.output = output;
    Report(std::move(done));
    process->Wait();
    return;
  }
  backends::ProcessOutcome outcome = process->Wait();
  auto end_time = std::chrono::system_clock::now();
  output["EndTime"] = FormatTimeMs(to_ms(end_time));
  if (outcome.signal != 0) {
    output["State"] = "KILLED";
    return fail("States.TaskFailed", "The job was killed by signal " +
                                         std::to_string(outcome.signal) +
                                         ". stderr: " + backends::ReadTail(spec.stderr_path, 2000));
  }
  output["ExitCode"] = outcome.exit_code;
  if (outcome.exit_code != 0) {
    return fail("States.TaskFailed", "The job exited with code " +
                                         std::to_string(outcome.exit_code) +
                                         ". stderr: " + backends::ReadTail(spec.stderr_path, 2000));
  }
  output["State"] = "COMPLETED";
  if (fs::exists(result_path, ec)) {
    auto text = ReadFile(result_path);
    if (!text) return fail("States.TaskFailed", text.error().cause);
    auto value = ParseJson(*text);
    if (!value) {
      return fail("States.TaskFailed",
                  "The job wrote invalid JSON to HPCFLOW_RESULT: " + value.error().cause);
    }
    output["Result"] = std::move(*value);
  }
  done.ok = true;
  done.output = std::move(output);
  Report(std::move(done));
}

}  // namespace hpcflow::orchestrator
