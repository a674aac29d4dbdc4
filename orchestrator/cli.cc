#include "orchestrator/cli.h"

#include <cstdlib>
#include <iostream>

namespace hpcflow::orchestrator {

namespace {

const char kUsage[] =
    "usage: hpcflow COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  validate WORKFLOW                 check a workflow (JSON or YAML); exit 2 on problems\n"
    "  run WORKFLOW [--input JSON|@FILE] [--json]\n"
    "                                    run a workflow in the foreground to its end\n"
    "  graph WORKFLOW [--format dot|mermaid]\n"
    "                                    print the state graph\n"
    "  --version                         print the version\n"
    "\n"
    "Every command takes --state-dir DIR (default $HPCFLOW_HOME, then ~/.hpcflow).\n"
    "Not available yet: submit, status, list, history, stop, server, callback.\n";

}  // namespace

std::string ResolveStateDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* home = std::getenv("HPCFLOW_HOME"); home && *home) return home;
  if (const char* user_home = std::getenv("HOME"); user_home && *user_home) {
    return std::string(user_home) + "/.hpcflow";
  }
  return ".hpcflow";
}

int RunCli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--version" || command == "version") {
    std::cout << "hpcflow " << HPCFLOW_VERSION << "\n";
    return kExitOk;
  }
  if (command == "validate") return CmdValidate(rest);
  if (command == "run") return CmdRun(rest);
  if (command == "graph") return CmdGraph(rest);
  for (const char* later : {"submit", "status", "list", "history", "stop", "server", "callback"}) {
    if (command == later) {
      std::cerr << "hpcflow: '" << command
                << "' is not available in this version yet (it needs the durable server); "
                   "use 'hpcflow run'\n";
      return kExitUsage;
    }
  }
  std::cerr << "hpcflow: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace hpcflow::orchestrator
