// `hpcflow register NAME WORKFLOW`: names a workflow in the state directory,
// so that parents start it as NAME, hpcflow:stateMachine:NAME or an AWS ARN
// ending in stateMachine:NAME (docs/workflows.md). Its definition is stored
// as it is now; registering the name again replaces it.
#include <iostream>

#include "common/json.h"
#include "common/time_format.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/cli_flags.h"
#include "orchestrator/runtime/state_machine_ref.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/execution_store.h"

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

namespace {

Json MachineToJson(const StateMachineRecord& m) {
  return {{"name", m.name},
          {"stateMachineArn", StateMachineId(m.name)},
          {"type", m.type},
          {"workflow", m.workflow},
          {"creationDate", FormatTimeMs(m.created_ms)},
          {"updateDate", FormatTimeMs(m.updated_ms)}};
}

int ListRegistered(ExecutionStore& store, bool json) {
  auto machines = store.ListStateMachines();
  if (!machines) {
    std::cerr << "hpcflow register: " << machines.error().cause << "\n";
    return kExitStore;
  }
  if (json) {
    Json out = Json::array();
    for (const auto& m : *machines) out.push_back(MachineToJson(m));
    std::cout << DumpJson(out) << "\n";
    return kExitOk;
  }
  for (const auto& m : *machines) {
    std::cout << m.name << "\t" << m.type << "\t" << m.workflow << "\n";
  }
  return kExitOk;
}

}  // namespace

int CmdRegister(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow register NAME WORKFLOW | hpcflow register --list");
  flags.add_options()("name", po::value<std::string>(), "the state machine's name")(
      "workflow", po::value<std::string>(), "workflow file (JSON or YAML)")(
      "type", po::value<std::string>()->default_value("STANDARD"),
      "STANDARD, or EXPRESS: its executions keep no history")(
      "list", "list the registered state machines")("state-dir",
                                                    po::value<std::string>()->default_value(""),
                                                    "state directory")("json", "print JSON");
  po::positional_options_description positional;
  positional.add("name", 1).add("workflow", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "register")) return kExitUsage;
  auto store = ExecutionStore::Open(ResolveStateDir(vm["state-dir"].as<std::string>()));
  if (!store) {
    std::cerr << "hpcflow register: " << store.error().cause << "\n";
    return kExitStore;
  }
  if (vm.count("list")) return ListRegistered(**store, vm.count("json") > 0);
  if (!vm.count("name") || !vm.count("workflow")) {
    std::cerr << "hpcflow register: give NAME and WORKFLOW (or --list)\n";
    return kExitUsage;
  }
  StateMachineRecord machine;
  machine.name = vm["name"].as<std::string>();
  machine.type = vm["type"].as<std::string>();
  if (!IsValidStateMachineName(machine.name)) {
    std::cerr << "hpcflow register: '" << machine.name
              << "' is not a state machine name: 1 to 80 letters, digits, '-' and '_'\n";
    return kExitUsage;
  }
  if (machine.type != "STANDARD" && machine.type != "EXPRESS") {
    std::cerr << "hpcflow register: --type must be STANDARD or EXPRESS, not '" << machine.type
              << "'\n";
    return kExitUsage;
  }
  std::vector<std::string> problems;
  auto valid = ReadValidWorkflow(vm["workflow"].as<std::string>(), problems);
  if (!valid) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return kExitUsage;
  }
  machine.workflow = valid->source.workflow;
  machine.definition = std::move(valid->source.text);
  if (auto s = (*store)->PutStateMachine(machine); !s) {
    std::cerr << "hpcflow register: " << s.error().cause << "\n";
    return kExitStore;
  }
  auto stored = (*store)->GetStateMachine(machine.name);
  if (vm.count("json") && stored && *stored) {
    std::cout << DumpJson(MachineToJson(**stored)) << "\n";
  } else {
    std::cout << "registered " << machine.name << " (" << machine.type << ") from "
              << machine.workflow << ": start it as " << machine.name << ", "
              << StateMachineId(machine.name)
              << " or arn:aws:states:REGION:ACCOUNT:stateMachine:" << machine.name << "\n";
  }
  return kExitOk;
}

}  // namespace hpcflow::orchestrator
