// A job run as a local process, in its own process group.
//
// The process group lets Cancel() stop the whole tree a job script starts
// (shells, pipelines, mpirun), not just its first process. Output goes
// straight to files so a job's logs survive the orchestrator.
#ifndef HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_
#define HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace hpcflow::backends {

struct ProcessSpec {
  // Either argv (run directly) or a shell command (run by /bin/sh -c).
  std::vector<std::string> argv;
  std::string shell_command;
  // Added to (and overriding) the orchestrator's own environment.
  std::map<std::string, std::string> environment;
  std::string working_directory;  // empty: the orchestrator's
  std::string stdout_path;        // created or truncated
  std::string stderr_path;
  // Stay in the caller's process group (the job wrapper's), so that a signal
  // to the group reaches the whole job. Otherwise the process leads a new group.
  bool same_process_group = false;
};

struct ProcessOutcome {
  int exit_code = -1;  // valid when signal == 0
  int signal = 0;      // the signal that killed it, or 0
};

class LocalProcess {
 public:
  // Starts the process. Errors: the output files cannot be created, fork
  // fails. A command that does not exist is not an error here: the child
  // exits with 127, as a shell would.
  static Result<LocalProcess> Start(const ProcessSpec& spec);

  LocalProcess(LocalProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  LocalProcess& operator=(LocalProcess&&) = delete;
  ~LocalProcess() = default;  // does not kill: jobs may outlive their handle

  pid_t pid() const { return pid_; }

  // Blocks until the process ends and reaps it.
  ProcessOutcome Wait();

  // Sends SIGTERM to the process group, then SIGKILL after `grace_ms`
  // unless the group is gone. Safe to call more than once.
  static void KillGroup(pid_t pgid, int grace_ms = 2000);

 private:
  explicit LocalProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

// The last `max_bytes` of a file, for error causes (stderr tails).
std::string ReadTail(const std::string& path, size_t max_bytes);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_
