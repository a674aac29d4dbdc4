#include "orchestrator/cli/cli.h"

#include <cstdlib>
#include <iostream>

#include "orchestrator/store/state_dir.h"

namespace hpcflow::orchestrator {

namespace {

const char kUsage[] =
    "usage: hpcflow COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  validate WORKFLOW                 check a workflow (JSON or YAML); exit 2 on problems\n"
    "  run WORKFLOW [--input JSON|@FILE] [--json]\n"
    "                                    run a workflow in the foreground to its end\n"
    "  submit WORKFLOW [--input JSON|@FILE] [--name N] [--express] [--wait] [--json]\n"
    "                                    hand a workflow to the server (started if needed);\n"
    "                                    prints the execution id\n"
    "  status EXECUTION [--json]         status, output or error of an execution\n"
    "  list [--status S] [--limit N] [--json]\n"
    "  history EXECUTION [--json]        the execution's events\n"
    "  stop EXECUTION [--error E] [--cause C]\n"
    "  redrive EXECUTION [--wait] [--json]\n"
    "                                    continue a FAILED, TIMED_OUT or ABORTED execution\n"
    "                                    from where it failed (AWS RedriveExecution)\n"
    "  register NAME WORKFLOW [--type STANDARD|EXPRESS] | register --list\n"
    "                                    name a workflow for startExecution (NAME, an ARN)\n"
    "  server                            the orchestrator (normally started by submit)\n"
    "  graph WORKFLOW [--format dot|mermaid]\n"
    "                                    print the state graph\n"
    "  callback success|failure|heartbeat [--token T] [--output JSON|@FILE|-]\n"
    "           [--error E] [--cause C]  report a task's result (run by jobs)\n"
    "  --version                         print the version\n"
    "\n"
    "Every command takes --state-dir DIR (default $HPCFLOW_HOME, then ~/.hpcflow).\n"
    "Exit codes: 0 success, 1 the execution did not succeed, 2 bad usage or invalid workflow,\n"
    "3 state store unusable, 4 no such execution, 5 another server owns the state directory,\n"
    "6 callback: the server stayed unreachable.\n";

}  // namespace

std::string ResolveStateDir(const std::string& flag) { return ResolveStateDirPath(flag); }

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
  if (command == "server") return CmdServer(rest);
  if (command == "job-wrapper") return CmdJobWrapper(rest);
  if (command == "job-launcher") return CmdJobLauncher(rest);
  if (command == "submit") return CmdSubmit(rest);
  if (command == "status") return CmdStatus(rest);
  if (command == "list") return CmdList(rest);
  if (command == "history") return CmdHistory(rest);
  if (command == "stop") return CmdStop(rest);
  if (command == "redrive") return CmdRedrive(rest);
  if (command == "callback") return CmdCallback(rest);
  if (command == "register") return CmdRegister(rest);
  std::cerr << "hpcflow: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace hpcflow::orchestrator
