// Starts `hpcflow server` for a state directory as a daemon (its own
// session, output to <state>/server.log), for `submit` and for a Client
// that finds no server.
#ifndef HPCFLOW_ORCHESTRATOR_CLIENT_SERVER_LAUNCHER_H_
#define HPCFLOW_ORCHESTRATOR_CLIENT_SERVER_LAUNCHER_H_

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

// Returns the server's pid once it holds the state directory's lock (at
// once if one already does). Errors: "io" (fork failed, or the server did
// not start within 2 s: its log says why).
Result<pid_t> EnsureServerRunning(const std::string& state_dir, const std::string& binary);

// Where the daemon writes its output.
std::string ServerLogFile(const std::string& state_dir);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLIENT_SERVER_LAUNCHER_H_
