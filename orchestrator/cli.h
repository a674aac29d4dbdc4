// The `hpcflow` command line (DESIGN.md §4.1). Each subcommand is a function
// taking its own arguments and returning the process exit code:
// 0 success, 1 the workflow ran and did not succeed, 2 bad usage or an
// invalid workflow (nothing was started).
#ifndef HPCFLOW_ORCHESTRATOR_CLI_H_
#define HPCFLOW_ORCHESTRATOR_CLI_H_

#include <string>
#include <vector>

namespace hpcflow::orchestrator {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

int RunCli(const std::vector<std::string>& args);

int CmdValidate(const std::vector<std::string>& args);
int CmdRun(const std::vector<std::string>& args);
int CmdGraph(const std::vector<std::string>& args);

// The state directory: --state-dir, else $HPCFLOW_HOME, else ~/.hpcflow.
std::string ResolveStateDir(const std::string& flag);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_H_
