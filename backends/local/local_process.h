// A job run as a local process, started with Boost.Process.
//
// The process leads a process group of its own, so that a signal to the
// group stops the whole tree a job script starts (shells, pipelines,
// mpirun), not just its first process. Output goes straight to files so a
// job's logs survive the orchestrator.
#ifndef HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_
#define HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace boost::process {
class child;
}  // namespace boost::process

namespace hpcflow::backends {

struct ProcessSpec {
  // Either argv (run directly; a name without '/' is looked up in the PATH
  // of the process's environment) or a shell command (run by /bin/sh -c).
  std::vector<std::string> argv;
  std::string shell_command;
  // Added to (and overriding) the caller's own environment.
  std::map<std::string, std::string> environment;
  std::string working_directory;  // empty: the caller's
  std::string stdout_path;        // created or truncated; empty: /dev/null
  std::string stderr_path;
  // Stay in the caller's process group. Otherwise the process leads a new
  // group (its pgid is its pid).
  bool same_process_group = false;
};

struct ProcessOutcome {
  int exit_code = -1;  // valid when signal == 0
  int signal = 0;      // the signal that killed it, or 0
};

class LocalProcess {
 public:
  // Starts the process. Errors ("io"): the output files cannot be created,
  // fork fails. A command that cannot be executed is not an error here: the
  // process exits with 127 (126 when the working directory is missing) and
  // says why on its stderr, as a shell would.
  static Result<LocalProcess> Start(const ProcessSpec& spec);

  // Starts the process detached: in a session of its own, reparented to
  // init (double fork), so it outlives the caller and never becomes its
  // zombie. `inherit_fd` (or -1) is a descriptor of the caller that the
  // process keeps across exec, although it is close-on-exec in the caller
  // (so no other child the caller starts meanwhile inherits it). Returns the
  // detached process's pid once it runs the program. Errors ("io"): fork or
  // exec failed.
  static Result<pid_t> StartDetached(const ProcessSpec& spec, int inherit_fd);

  LocalProcess(LocalProcess&& other) noexcept;
  LocalProcess& operator=(LocalProcess&&) = delete;
  // Does not kill: jobs may outlive their handle.
  ~LocalProcess();

  pid_t pid() const { return pid_; }

  // Blocks until the process has ended, without reaping it: until Wait(),
  // its pid, and so its process group id, cannot be reused, which makes it
  // safe to signal the group's leftovers.
  void AwaitExit();

  // Blocks until the process ends and reaps it.
  ProcessOutcome Wait();

  // Sends SIGTERM to the process group, then SIGKILL after `grace_ms`
  // unless the group is gone. Safe to call more than once.
  static void KillGroup(pid_t pgid, int grace_ms = 2000);

 private:
  explicit LocalProcess(std::unique_ptr<boost::process::child> child);
  std::unique_ptr<boost::process::child> child_;
  pid_t pid_ = -1;
};

// The last `max_bytes` of a file, for error causes (stderr tails).
std::string ReadTail(const std::string& path, size_t max_bytes);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_
