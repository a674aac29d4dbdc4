#include "backends/slurm/slurm_commands.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>

namespace hpcflow::backends::slurm {

int BackoffMs(const RetryPolicy& policy, int retry) {
  int64_t delay = policy.initial_backoff_ms;
  for (int i = 1; i < retry && delay < policy.max_backoff_ms; ++i) delay *= 2;
  return static_cast<int>(std::min<int64_t>(delay, policy.max_backoff_ms));
}

bool IsTransientSlurmError(const std::string& stderr_text) {
  // Messages of Slurm 22.05 for a controller that is down, restarting or
  // overloaded (slurm_errno.c), as the clients print them.
  static constexpr std::array<const char*, 9> kTransient = {
      "Socket timed out",
      "Resource temporarily unavailable",
      "Unable to contact slurm controller",
      "Communication connection failure",
      "Connection refused",
      "Slurm temporarily unable to accept job",
      "Zero Bytes were transmitted or received",
      "Transport endpoint is not connected",
      "slurm_load_",  // slurm_load_jobs / _partitions / _ctl_conf error: ...
  };
  for (const char* needle : kTransient) {
    if (stderr_text.find(needle) != std::string::npos) {
      // "slurm_load_jobs error: Invalid job id specified" is an answer, not
      // an outage.
      if (std::string(needle) == "slurm_load_" &&
          stderr_text.find("Invalid job id") != std::string::npos) {
        continue;
      }
      return true;
    }
  }
  return false;
}

std::string Trimmed(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  return text.substr(begin, end - begin + 1);
}

Result<CommandOutput> SlurmCommands::Run(const std::string& command,
                                         const std::vector<std::string>& args) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[command];
  }
  std::vector<std::string> argv;
  argv.push_back(bin_dir_.empty() ? command : bin_dir_ + "/" + command);
  argv.insert(argv.end(), args.begin(), args.end());
  auto output = RunCommand(argv, timeout_ms_);
  if (!output) return Fail("slurm", output.error().cause);
  if (output->timed_out) {
    output->exit_code = -1;
    output->err += argv[0] + " did not answer within " + std::to_string(timeout_ms_ / 1000) +
                   " s (controller hung?)";
  }
  return output;
}

Result<CommandOutput> SlurmCommands::RunRetrying(const std::string& command,
                                                 const std::vector<std::string>& args,
                                                 const RetryPolicy& policy) {
  for (int attempt = 1;; ++attempt) {
    auto output = Run(command, args);
    bool transient = output && output->exit_code != 0 &&
                     (output->timed_out || IsTransientSlurmError(output->err));
    if (!transient || attempt >= policy.max_attempts) return output;
    std::this_thread::sleep_for(std::chrono::milliseconds(BackoffMs(policy, attempt)));
  }
}

std::map<std::string, int64_t> SlurmCommands::Counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace hpcflow::backends::slurm
