// `hpcflow validate` and `hpcflow run`.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "common/json.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/cli_flags.h"
#include "orchestrator/cli/run_execution.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/workflow_loader.h"

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

int CmdValidate(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow validate WORKFLOW");
  flags.add_options()("workflow", po::value<std::string>()->required(), "workflow file")(
      "state-dir", po::value<std::string>(), "state directory")("json", "print JSON");
  po::positional_options_description positional;
  positional.add("workflow", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "validate")) return kExitUsage;
  std::vector<std::string> problems;
  auto loaded = LoadWorkflow(vm["workflow"].as<std::string>(), problems);
  if (vm.count("json")) {
    Json out = {{"valid", static_cast<bool>(loaded)}, {"problems", problems}};
    std::cout << DumpJson(out) << "\n";
  } else {
    for (const auto& p : problems) std::cerr << p << "\n";
  }
  return loaded ? kExitOk : kExitUsage;
}

int CmdRun(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow run WORKFLOW");
  flags.add_options()("workflow", po::value<std::string>()->required(),
                      "workflow file, or a registered state machine's name or ARN")(
      "input", po::value<std::string>()->default_value("{}"), "input: JSON text or @FILE")(
      "json", "print one JSON object: status and output, or error and cause")(
      "backend", po::value<std::string>()->default_value("local"), "backend for job tasks")(
      "express", "keep no history, only the execution's record (an EXPRESS execution)")(
      "state-dir", po::value<std::string>()->default_value(""), "state directory")(
      "seed", po::value<uint64_t>()->default_value(0), "seed for States.UUID/MathRandom")(
      "payload-limit", po::value<size_t>()->default_value(0),
      "largest state output in bytes, 0 for none (AWS: 262144)")(
      "listen", po::value<std::string>()->default_value(DefaultListen()),
      "ADDRESS[:PORT] for the jobs' callbacks (0.0.0.0 for all interfaces)");
  po::positional_options_description positional;
  positional.add("workflow", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "run")) return kExitUsage;
  std::string backend = vm["backend"].as<std::string>();
  if (!BackendRegistry::IsKnown(backend)) {
    std::cerr << "hpcflow run: unknown backend '" << backend
              << "' (known: " << BackendRegistry::KnownNames() << ")\n";
    return kExitUsage;
  }
  auto listen = ParseListen(vm["listen"].as<std::string>());
  if (!listen) {
    std::cerr << "hpcflow run: --listen: " << listen.error().cause << "\n";
    return kExitUsage;
  }
  const std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  std::vector<std::string> problems;
  auto runnable = ReadRunnableWorkflow(state_dir, vm["workflow"].as<std::string>(), problems);
  if (!runnable) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return runnable.error().name == "store" ? kExitStore : kExitUsage;
  }
  std::string input_text;
  auto input = ReadInputArgument(vm["input"].as<std::string>(), &input_text);
  if (!input) {
    std::cerr << "hpcflow run: " << input.error().cause << "\n";
    return kExitUsage;
  }
  RunOptions options;
  options.source = std::move(runnable->valid.source);
  options.workflow = std::move(runnable->valid.workflow);
  options.state_machine = runnable->state_machine;
  options.state_dir = state_dir;
  options.input = std::move(*input);
  options.input_text = std::move(input_text);
  options.seed = vm["seed"].as<uint64_t>();
  options.payload_limit = static_cast<int64_t>(vm["payload-limit"].as<size_t>());
  options.backend = backend;
  options.express = vm.count("express") > 0 || runnable->express;
  options.listen_address = listen->first;
  options.listen_port = listen->second;
  // Executions an earlier `run` left when it was killed are finished by the
  // server, not left RUNNING forever.
  HandOrphansToServer(options.state_dir);
  auto ran = RunExecution(std::move(options));
  if (!ran) {
    std::cerr << "hpcflow run: " << ran.error().cause << "\n";
    return kExitStore;
  }
  RunResult& result = *ran;
  if (vm.count("json")) {
    std::cout << RunResultToJsonText(result) << "\n";
  } else if (result.status == workflows::ExecutionStatus::kSucceeded) {
    std::cout << DumpJsonPretty(result.output) << "\n";
  } else {
    std::cerr << "hpcflow: execution " << workflows::ExecutionStatusName(result.status);
    if (!result.error.name.empty()) std::cerr << ": " << result.error.name;
    if (result.error.cause) std::cerr << ": " << *result.error.cause;
    std::cerr << "\n";
  }
  // The process ends here: the OS reclaims a large result (a million-item
  // Map) much faster than freeing it node by node would.
  std::cout.flush();
  std::cerr.flush();
  if (result.interrupted_by != 0) std::_Exit(128 + result.interrupted_by);  // as shells report it
  std::_Exit(result.status == workflows::ExecutionStatus::kSucceeded ? kExitOk : kExitFailed);
}

}  // namespace hpcflow::orchestrator
