// The `hpcflow` command line (DESIGN.md §4.1). Each subcommand is a function
// taking its own arguments and returning the process exit code:
// 0 success, 1 the workflow ran and did not succeed, 2 bad usage or an
// invalid workflow (nothing was started).
#ifndef HPCFLOW_ORCHESTRATOR_CLI_CLI_H_
#define HPCFLOW_ORCHESTRATOR_CLI_CLI_H_

#include <string>
#include <vector>

namespace hpcflow::orchestrator {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitStore = 3;     // the state store is unusable (corrupt, full, locked)
inline constexpr int kExitNotFound = 4;  // no such execution
inline constexpr int kExitBusy = 5;      // another server owns the state directory
// `callback`: the server stayed unreachable for the whole --retry-for.
inline constexpr int kExitUnreachable = 6;

int RunCli(const std::vector<std::string>& args);

int CmdValidate(const std::vector<std::string>& args);
int CmdRun(const std::vector<std::string>& args);
int CmdGraph(const std::vector<std::string>& args);
int CmdServer(const std::vector<std::string>& args);
int CmdJobWrapper(const std::vector<std::string>& args);
int CmdJobLauncher(const std::vector<std::string>& args);
int CmdSubmit(const std::vector<std::string>& args);
int CmdStatus(const std::vector<std::string>& args);
int CmdList(const std::vector<std::string>& args);
int CmdHistory(const std::vector<std::string>& args);
int CmdStop(const std::vector<std::string>& args);
int CmdRedrive(const std::vector<std::string>& args);
int CmdCallback(const std::vector<std::string>& args);
int CmdRegister(const std::vector<std::string>& args);

// The path of the running hpcflow binary (for spawning servers and wrappers).
std::string SelfBinary();

// The state directory: --state-dir, else $HPCFLOW_HOME, else ~/.hpcflow.
std::string ResolveStateDir(const std::string& flag);

// Starts `hpcflow server` in the background (detached, logging to
// <state>/server.log) unless one already serves the state directory.
void EnsureServer(const std::string& state_dir);

// Hands the unfinished executions of `hpcflow run` processes that died to
// the state directory's server (started if none runs). Returns how many.
int HandOrphansToServer(const std::string& state_dir);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_CLI_H_
