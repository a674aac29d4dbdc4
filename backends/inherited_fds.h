// Children must not inherit the orchestrator's descriptors.
//
// The runtime forks job wrappers and Slurm commands from a process that
// holds its HTTP server's listening socket, its clients' connections and
// its SQLite database. A wrapper that inherited the listening socket kept
// the old port bound after the server died (so a restarted server could not
// have it back), and its own callback was queued, unanswered, on that very
// socket. Libraries do not all open with O_CLOEXEC (Asio does not), so every
// child marks everything above stderr close-on-exec before it execs.
#ifndef HPCFLOW_BACKENDS_INHERITED_FDS_H_
#define HPCFLOW_BACKENDS_INHERITED_FDS_H_

namespace hpcflow::backends {

// Marks every descriptor above 2 close-on-exec, except `keep` (-1: none),
// whose flag is cleared. Async-signal-safe: for use between fork and exec.
void CloseOnExecAllBut(int keep);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_INHERITED_FDS_H_
