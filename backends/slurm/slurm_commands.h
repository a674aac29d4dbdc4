// The Slurm client commands as the backend uses them: where they are, how
// long they may take, which failures are worth a retry, and how many of each
// ran (shown by `hpcflow status --json`, and checked by the tests: a Map of
// 10,000 items must cost a handful of sbatch calls, not 10,000).
#ifndef HPCFLOW_BACKENDS_SLURM_SLURM_COMMANDS_H_
#define HPCFLOW_BACKENDS_SLURM_SLURM_COMMANDS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "backends/slurm/command_runner.h"
#include "common/result.h"

namespace hpcflow::backends::slurm {

// How often and how patiently a command is retried after a transient
// controller error (IsTransientSlurmError).
struct RetryPolicy {
  int max_attempts = 5;  // 1: no retry
  int initial_backoff_ms = 500;
  int max_backoff_ms = 10000;  // the backoff doubles up to this
};

// The delay before retry number `retry` (1 for the first retry).
int BackoffMs(const RetryPolicy& policy, int retry);

// True for errors that say the controller was briefly unreachable or busy
// ("Socket timed out", "Resource temporarily unavailable", "slurm_load_jobs
// error: Unable to contact slurm controller", ...), after which the same
// command may well succeed. False for errors about the request itself
// (invalid partition, bad option), which would fail again.
bool IsTransientSlurmError(const std::string& stderr_text);

class SlurmCommands {
 public:
  // `bin_dir`: directory of sbatch, squeue, ...; empty: found in PATH.
  // Commands inherit this process's environment, so SLURM_CONF there picks
  // the cluster.
  SlurmCommands(std::string bin_dir, int timeout_ms)
      : bin_dir_(std::move(bin_dir)), timeout_ms_(timeout_ms) {}

  // Runs `command` ("sbatch", "squeue", ...) with `args` once, and counts it.
  // A non-zero exit is returned as output for the caller to judge; so is a
  // timeout (timed_out set, exit_code -1, err saying so). Errors ("slurm"):
  // the command could not be started at all.
  Result<CommandOutput> Run(const std::string& command, const std::vector<std::string>& args);

  // Like Run, but retries while the command fails with a transient error or
  // times out, sleeping BackoffMs between attempts; returns the last output.
  // Only for commands that are safe to repeat (queries, scancel): sbatch
  // may have been accepted before the error, so its caller retries itself.
  Result<CommandOutput> RunRetrying(const std::string& command,
                                    const std::vector<std::string>& args,
                                    const RetryPolicy& policy);

  std::map<std::string, int64_t> Counts() const;

 private:
  std::string bin_dir_;
  int timeout_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> counts_;
};

// "sbatch: error: ..." without trailing newlines, for error causes.
std::string Trimmed(const std::string& text);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_SLURM_COMMANDS_H_
