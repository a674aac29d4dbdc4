// A job run as a local process (fork and exec, by hand: the start gate
// below needs a child that waits before exec, which Boost.Process cannot
// start without waiting for the exec itself).
//
// The process leads a process group of its own, so that a signal to the
// group stops the whole tree a job script starts (shells, pipelines,
// mpirun), not just its first process. Output goes straight to files (0600,
// in the job directory) so a job's logs survive the orchestrator.
#ifndef HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_
#define HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

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
  bool append_output = false;  // append to the files instead of truncating them
  // Stay in the caller's process group. Otherwise the process leads a new
  // group (its pgid is its pid).
  bool same_process_group = false;
  // The umask the program runs with; -1: the caller's.
  int umask = -1;
  // SIGKILL the process when the caller dies (PR_SET_PDEATHSIG): a job
  // must not run on unwatched when its wrapper is killed.
  bool die_with_parent = false;
  // A start gate (Start only): the two ends of a pipe the caller made. The
  // child, once in its own group, closes the write end and waits for one
  // byte on the read end before it execs; if the caller dies first (EOF)
  // it exits 125 and nothing runs. The caller records the start, then
  // opens the gate with OpenStartGate(write_fd). -1: no gate.
  int gate_read_fd = -1;
  int gate_write_fd = -1;
};

// Lets a gated child (ProcessSpec::gate_*) exec, and closes both ends.
// Returns false when the child is gone.
bool OpenStartGate(int gate_read_fd, int gate_write_fd);

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
  explicit LocalProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// The last `max_bytes` of a file, for error causes (stderr tails).
std::string ReadTail(const std::string& path, size_t max_bytes);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_LOCAL_PROCESS_H_
