// Runs an external command to completion and captures what it printed.
//
// The Slurm backend talks to the controller only through its client commands
// (sbatch, squeue, scancel, scontrol, sacct), so every call goes through here:
// one place for the timeout (a hung controller must not hang the orchestrator)
// and for turning "could not even start it" into an Error.
#ifndef HPCFLOW_BACKENDS_SLURM_COMMAND_RUNNER_H_
#define HPCFLOW_BACKENDS_SLURM_COMMAND_RUNNER_H_

#include <string>
#include <vector>

#include "common/result.h"

namespace hpcflow::backends::slurm {

struct CommandOutput {
  int exit_code = -1;      // 128 + signal when the command was killed
  bool timed_out = false;  // killed by us after the timeout
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH when it has no '/') with the caller's
// environment and stdin from /dev/null, and waits for it, at most
// `timeout_ms` (then SIGKILL; `timed_out` is set). A non-zero exit is not an
// Error: the caller reads exit_code and err. Errors ("io"): the pipes or the
// fork failed, or the program could not be executed (exit 127 from the child
// with nothing printed is reported as such).
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv, int timeout_ms);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_COMMAND_RUNNER_H_
