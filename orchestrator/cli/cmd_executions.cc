// `hpcflow submit|status|list|history|stop|redrive`: the commands that work on the
// executions of a state directory. When its server runs they go through its
// control API (control_client.h); without one, status, list and history read
// the store directly, and submit and stop leave their request in the store
// and start a server to act on it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/ids.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/cli_flags.h"
#include "orchestrator/client/control_client.h"
#include "orchestrator/client/server_launcher.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/execution_json.h"
#include "orchestrator/store/execution_store.h"
#include "orchestrator/store/new_execution.h"
#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

namespace {

bool IsFinal(const std::string& status) { return IsFinalStatus(status); }

// Prints an error reply of the control API ({"message": ...}) and returns
// the exit code it stands for.
int ReportServerError(const char* command, const HttpReply& reply) {
  auto body = ParseJson(reply.body);
  std::string message = body && body->is_object() ? body->value("message", reply.body) : reply.body;
  std::cerr << "hpcflow " << command << ": " << message << "\n";
  if (reply.status == 404) return kExitNotFound;
  if (reply.status == 400 || reply.status == 409) return kExitUsage;
  return kExitStore;
}

void PrintStatus(const Json& status, bool json) {
  if (json) {
    std::cout << DumpJson(status) << "\n";
    return;
  }
  for (auto it = status.begin(); it != status.end(); ++it) {
    std::cout << it.key() << ": "
              << TerminalSafe(it->is_string() ? it->get<std::string>() : DumpJson(*it)) << "\n";
  }
}

Result<std::unique_ptr<ExecutionStore>> OpenStore(const po::variables_map& vm) {
  return ExecutionStore::Open(ResolveStateDir(vm["state-dir"].as<std::string>()));
}

// The store and one execution in it, for the commands that name one.
struct FoundExecution {
  std::unique_ptr<ExecutionStore> store;
  ExecutionRecord record;
};

// Opens the store and looks the execution up by id or name. On failure prints
// why ("hpcflow COMMAND: ...") and sets `exit_code` (kExitStore, kExitNotFound).
std::optional<FoundExecution> FindExecution(const std::string& state_dir,
                                            const std::string& execution, const char* command,
                                            int& exit_code) {
  auto store = ExecutionStore::Open(state_dir);
  if (!store) {
    std::cerr << "hpcflow " << command << ": " << store.error().cause << "\n";
    exit_code = kExitStore;
    return std::nullopt;
  }
  auto record = (*store)->GetExecution(execution);
  if (!record) {
    std::cerr << "hpcflow " << command << ": " << record.error().cause << "\n";
    exit_code = kExitStore;
    return std::nullopt;
  }
  if (!*record) {
    std::cerr << "hpcflow " << command << ": no execution '" << execution << "'\n";
    exit_code = kExitNotFound;
    return std::nullopt;
  }
  return FoundExecution{std::move(*store), std::move(**record)};
}

// Follows an execution to its end; prints like `run` does.
int WaitAndPrint(ExecutionStore& store, const std::string& id, bool json) {
  while (true) {
    auto record = store.GetExecution(id);
    if (!record) {
      std::cerr << "hpcflow: " << record.error().cause << "\n";
      return kExitStore;
    }
    if (*record && IsFinal((*record)->status)) {
      const ExecutionRecord& r = **record;
      if (json) {
        Json out = {{"status", r.status}};
        if (r.status == "SUCCEEDED") {
          auto value = ParseJson(r.output.value_or("null"));
          out["output"] = value ? *value : Json();
        } else {
          if (r.error) out["error"] = *r.error;
          if (r.cause) out["cause"] = *r.cause;
        }
        std::cout << DumpJson(out) << "\n";
      } else if (r.status == "SUCCEEDED") {
        auto value = ParseJson(r.output.value_or("null"));
        std::cout << DumpJsonPretty(value ? *value : Json()) << "\n";
      } else {
        std::cerr << "hpcflow: execution " << r.status << ": " << r.error.value_or("")
                  << (r.cause ? ": " + *r.cause : "") << "\n";
      }
      return r.status == "SUCCEEDED" ? kExitOk : kExitFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

// Starts `hpcflow server` in the background (detached, logging to
// <state>/server.log) unless one already serves the state directory.
void EnsureServer(const std::string& state_dir) {
  if (ServerLock::IsHeld(state_dir)) return;
  auto pid = EnsureServerRunning(state_dir, SelfBinary());
  if (pid) {
    std::cerr << "hpcflow: started a server (pid " << *pid << "); log: " << ServerLogFile(state_dir)
              << "\n";
  } else {
    std::cerr << "hpcflow: " << pid.error().cause << "\n";
  }
}

int HandOrphansToServer(const std::string& state_dir) {
  auto store = ExecutionStore::Open(state_dir);
  if (!store) return 0;
  auto records = (*store)->ListRunOwned();
  if (!records) return 0;
  int handed = 0;
  for (const auto& record : *records) {
    if (IsOwnerAlive(state_dir, record.owner)) continue;
    if ((*store)->SetOwner(record.id, "")) {
      std::cerr << "hpcflow: execution " << record.id << " (" << record.status
                << ") was left by an hpcflow run that is gone (" << record.owner
                << "); the server takes it over\n";
      ++handed;
    }
  }
  if (handed > 0) EnsureServer(state_dir);
  return handed;
}

int CmdSubmit(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow submit WORKFLOW");
  flags.add_options()("workflow", po::value<std::string>()->required(),
                      "workflow file, or a registered state machine's name or ARN")(
      "input", po::value<std::string>()->default_value("{}"), "input: JSON text or @FILE")(
      "name", po::value<std::string>()->default_value(""), "execution name (unique)")(
      "backend", po::value<std::string>()->default_value("local"), "backend for job tasks")(
      "express", "no durable per-step history; at-least-once")(
      "wait", "follow the execution to its end and print its result")(
      "json", "with --wait: print one JSON object")("payload-limit",
                                                    po::value<int64_t>()->default_value(0),
                                                    "largest state output in bytes, 0 for none")(
      "state-dir", po::value<std::string>()->default_value(""), "state directory");
  po::positional_options_description positional;
  positional.add("workflow", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "submit")) return kExitUsage;
  std::string backend = vm["backend"].as<std::string>();
  if (!BackendRegistry::IsKnown(backend)) {
    std::cerr << "hpcflow submit: unknown backend '" << backend
              << "' (known: " << BackendRegistry::KnownNames() << ")\n";
    return kExitUsage;
  }
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  std::vector<std::string> problems;
  auto runnable = ReadRunnableWorkflow(state_dir, vm["workflow"].as<std::string>(), problems);
  if (!runnable) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return runnable.error().name == "store" ? kExitStore : kExitUsage;
  }
  const DefinitionSource* source = &runnable->valid.source;
  const std::string& text = source->text;
  const bool express = vm.count("express") > 0 || runnable->express;
  auto input = ReadInputArgument(vm["input"].as<std::string>());
  if (!input) {
    std::cerr << "hpcflow submit: " << input.error().cause << "\n";
    return kExitUsage;
  }
  auto store = ExecutionStore::Open(state_dir);
  if (!store) {
    std::cerr << "hpcflow submit: " << store.error().cause << "\n";
    return kExitStore;
  }
  // Absolute (ReadDefinition): the server resolves child workflows and
  // HPCFLOW_WORKFLOW_DIR next to this file; its working directory is not ours.
  const std::string& workflow = source->workflow;
  std::error_code ec;
  EnsureServer(state_dir);
  // Chosen here, so that a submission retried after a lost answer (or
  // recorded directly when no server answers) is one execution.
  std::string id = NewUuid();
  Json request = {{"id", id},
                  {"workflow", workflow},
                  {"definition", text},
                  {"input", *input},
                  {"name", vm["name"].as<std::string>()},
                  {"backend", backend},
                  {"express", express},
                  {"stateMachine", runnable->state_machine},
                  {"payload_limit", vm["payload-limit"].as<int64_t>()},
                  {"workdir", std::filesystem::current_path(ec).string()}};
  if (auto reply = CallServer(state_dir, "POST", "/v1/executions", DumpJson(request));
      reply && *reply) {
    if ((*reply)->status != 201 && (*reply)->status != 200) {
      return ReportServerError("submit", **reply);
    }
    if (vm.count("wait")) {
      std::cerr << id << "\n";
      return WaitAndPrint(**store, id, vm.count("json") > 0);
    }
    std::cout << id << "\n";
    return kExitOk;
  }
  // No server answered: leave the execution in the store for one to pick
  // up (unless the server did record it after all).
  if (auto existing = (*store)->GetExecution(id); existing && *existing) {
    std::cout << id << "\n";
    return kExitOk;
  }
  NewExecution spec;
  spec.id = id;
  spec.name = vm["name"].as<std::string>();
  if (!spec.name.empty()) {
    auto existing = (*store)->GetExecution(spec.name);
    if (existing && *existing) {
      std::cerr << "hpcflow submit: an execution named '" << spec.name << "' already exists\n";
      return kExitUsage;
    }
  }
  spec.workflow = workflow;
  spec.workdir = std::filesystem::current_path(ec).string();
  spec.definition = text;
  spec.input = DumpJson(*input);
  spec.express = express;
  spec.state_machine = runnable->state_machine;
  spec.backend = backend;
  spec.payload_limit = vm["payload-limit"].as<int64_t>();
  ExecutionRecord record = NewExecutionRecord(std::move(spec));
  if (auto s = (*store)->CreateExecution(record); !s) {
    std::cerr << "hpcflow submit: " << s.error().cause << "\n";
    return kExitStore;
  }
  EnsureServer(state_dir);
  if (vm.count("wait")) {
    std::cerr << record.id << "\n";
    return WaitAndPrint(**store, record.id, vm.count("json") > 0);
  }
  std::cout << record.id << "\n";
  return kExitOk;
}

int CmdStatus(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow status EXECUTION");
  flags.add_options()("execution", po::value<std::string>()->required(), "execution id or name")(
      "json", "print JSON")("state-dir", po::value<std::string>()->default_value(""),
                            "state directory");
  po::positional_options_description positional;
  positional.add("execution", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "status")) return kExitUsage;
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  std::string execution = vm["execution"].as<std::string>();
  if (auto reply = CallServer(state_dir, "GET", "/v1/executions/" + UrlSegment(execution));
      reply && *reply) {
    if ((*reply)->status != 200) return ReportServerError("status", **reply);
    auto body = ParseJson((*reply)->body);
    if (body) {
      PrintStatus(*body, vm.count("json") > 0);
      return kExitOk;
    }
  }
  int exit_code = kExitOk;
  auto found = FindExecution(state_dir, execution, "status", exit_code);
  if (!found) return exit_code;
  PrintStatus(StatusJson(found->record), vm.count("json") > 0);
  return kExitOk;
}

int CmdList(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow list");
  flags.add_options()("status", po::value<std::string>()->default_value(""), "only this status")(
      "limit", po::value<int>()->default_value(100), "at most this many")("json", "print JSON")(
      "state-dir", po::value<std::string>()->default_value(""), "state directory");
  po::positional_options_description positional;
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "list")) return kExitUsage;
  std::string status = vm["status"].as<std::string>();
  int limit = vm["limit"].as<int>();
  // The rows, from the server when one runs, else from the store.
  Json rows = Json::array();
  std::string path = "/v1/executions?limit=" + std::to_string(limit) +
                     (status.empty() ? "" : "&status=" + UrlSegment(status));
  auto reply = CallServer(ResolveStateDir(vm["state-dir"].as<std::string>()), "GET", path);
  std::optional<Json> served;
  if (reply && *reply && (*reply)->status == 200) {
    if (auto body = ParseJson((*reply)->body); body && body->is_array()) served = std::move(*body);
  }
  if (served) {
    rows = std::move(*served);
  } else {
    auto store = OpenStore(vm);
    if (!store) {
      std::cerr << "hpcflow list: " << store.error().cause << "\n";
      return kExitStore;
    }
    auto records = (*store)->ListExecutions(status, limit);
    if (!records) {
      std::cerr << "hpcflow list: " << records.error().cause << "\n";
      return kExitStore;
    }
    for (const auto& r : *records) {
      Json row = StatusJson(r);
      row.erase("output");
      rows.push_back(std::move(row));
    }
  }
  if (vm.count("json")) {
    std::cout << DumpJson(rows) << "\n";
    return kExitOk;
  }
  for (const auto& row : rows) {
    std::cout << TerminalSafe(row.value("executionId", "")) << "  " << row.value("status", "")
              << "  " << row.value("creationDate", "") << "  "
              << TerminalSafe(row.value("name", "")) << "  "
              << TerminalSafe(row.value("workflow", "")) << "\n";
  }
  return kExitOk;
}

int CmdHistory(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow history EXECUTION");
  flags.add_options()("execution", po::value<std::string>()->required(), "execution id or name")(
      "json", "print JSON")("state-dir", po::value<std::string>()->default_value(""),
                            "state directory");
  po::positional_options_description positional;
  positional.add("execution", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "history")) return kExitUsage;
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  std::string execution = vm["execution"].as<std::string>();
  // The events, from the server when one runs, else from the store.
  std::optional<Json> events;
  if (auto reply =
          CallServer(state_dir, "GET", "/v1/executions/" + UrlSegment(execution) + "/history");
      reply && *reply) {
    if ((*reply)->status == 404) return ReportServerError("history", **reply);
    if ((*reply)->status == 200) {
      if (auto body = ParseJson((*reply)->body); body && body->is_array()) {
        events = std::move(*body);
      }
    }
  }
  if (!events) {
    int exit_code = kExitOk;
    auto found = FindExecution(state_dir, execution, "history", exit_code);
    if (!found) return exit_code;
    auto rows = found->store->History(found->record);
    if (!rows) {
      std::cerr << "hpcflow history: " << rows.error().cause << "\n";
      return kExitStore;
    }
    events = HistoryJson(*rows);
  }
  if (vm.count("json")) {
    std::cout << DumpJson(*events) << "\n";
    return kExitOk;
  }
  for (const auto& e : *events) {
    std::string state = e.value("stateName", "");
    std::cout << e.value("id", int64_t{0}) << "  " << e.value("timestamp", "") << "  "
              << e.value("type", "") << (state.empty() ? "" : "  " + TerminalSafe(state)) << "\n";
  }
  return kExitOk;
}

int CmdStop(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow stop EXECUTION");
  flags.add_options()("execution", po::value<std::string>()->required(), "execution id or name")(
      "error", po::value<std::string>()->default_value("States.Aborted"), "error name")(
      "cause", po::value<std::string>()->default_value("stopped by the user"), "cause")(
      "json", "print JSON")("state-dir", po::value<std::string>()->default_value(""),
                            "state directory");
  po::positional_options_description positional;
  positional.add("execution", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "stop")) return kExitUsage;
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  Json payload = {{"error", vm["error"].as<std::string>()},
                  {"cause", vm["cause"].as<std::string>()}};
  std::string execution = vm["execution"].as<std::string>();
  if (auto reply =
          CallServer(state_dir, "POST", "/v1/executions/" + UrlSegment(execution) + "/stop",
                     DumpJson(payload));
      reply && *reply) {
    if ((*reply)->status != 200) return ReportServerError("stop", **reply);
    auto body = ParseJson((*reply)->body);
    if (body && body->is_object()) {
      if (body->value("alreadyEnded", false)) {
        std::cerr << "hpcflow stop: execution already ended: " << body->value("status", "") << "\n";
        body->erase("alreadyEnded");
      }
      if (vm.count("json")) std::cout << DumpJson(*body) << "\n";
      return kExitOk;
    }
  }
  int exit_code = kExitOk;
  auto found = FindExecution(state_dir, execution, "stop", exit_code);
  if (!found) return exit_code;
  ExecutionStore& store = *found->store;
  const ExecutionRecord& record = found->record;
  if (IsFinal(record.status)) {
    std::cerr << "hpcflow stop: execution already ended: " << record.status << "\n";
    if (vm.count("json")) std::cout << DumpJson(StatusJson(record)) << "\n";
    return kExitOk;
  }
  bool run_owned = record.owner.rfind("run:", 0) == 0;
  bool owner_alive = IsOwnerAlive(state_dir, record.owner);
  if (run_owned && !owner_alive) {
    // Its `hpcflow run` is gone: the server takes it over, then stops it.
    if (auto s = store.SetOwner(record.id, ""); !s) {
      std::cerr << "hpcflow stop: cannot take the execution over: " << s.error().cause << "\n";
      return kExitStore;
    }
    std::cerr << "hpcflow stop: the hpcflow run that ran " << record.id
              << " is gone; the server takes it over and stops it\n";
    run_owned = false;
  }
  if (auto s = store.AddRequest(record.id, "stop", DumpJson(payload)); !s) {
    std::cerr << "hpcflow stop: " << s.error().cause << "\n";
    return kExitStore;
  }
  bool engine_owned = record.owner.rfind("engine:", 0) == 0;
  if (engine_owned && !owner_alive) {
    // Only that engine has the functions its executions call.
    std::cerr << "hpcflow stop: the stop request is recorded; the embedding engine that owns "
                 "the execution ("
              << record.owner << ") is not open now and acts on it when it opens again\n";
    return kExitBusy;
  }
  if (!run_owned && !engine_owned) EnsureServer(state_dir);
  // Wait for the owner to act, so that `stop` then `status` agree.
  for (int i = 0; i < 300; ++i) {
    auto now = store.GetExecution(record.id);
    if (now && *now && IsFinal((*now)->status)) {
      if (vm.count("json")) std::cout << DumpJson(StatusJson(**now)) << "\n";
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (run_owned || engine_owned) {
    std::cerr << "hpcflow stop: the stop request is recorded; the process that owns the "
                 "execution ("
              << record.owner << ") has not acted on it within 30 s\n";
  } else {
    std::cerr << "hpcflow stop: the stop request is recorded; the server has not acted on it "
                 "within 30 s (see "
              << state_dir << "/server.log)\n";
  }
  return kExitBusy;
}

int CmdRedrive(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow redrive EXECUTION");
  flags.add_options()("execution", po::value<std::string>()->required(), "execution id or name")(
      "wait", "follow the execution to its end and print its result")("json", "print JSON")(
      "state-dir", po::value<std::string>()->default_value(""), "state directory");
  po::positional_options_description positional;
  positional.add("execution", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "redrive")) return kExitUsage;
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  int exit_code = kExitOk;
  auto found = FindExecution(state_dir, vm["execution"].as<std::string>(), "redrive", exit_code);
  if (!found) return exit_code;
  const ExecutionRecord& record = found->record;
  // Refused here already when the record says so: no server is started
  // for nothing.
  if (std::string refusal = RedriveRefusal(record, record.status); !refusal.empty()) {
    std::cerr << "hpcflow redrive: cannot redrive " << record.id << ": " << refusal << "\n";
    return kExitUsage;
  }
  EnsureServer(state_dir);
  auto reply =
      CallServer(state_dir, "POST", "/v1/executions/" + UrlSegment(record.id) + "/redrive", "{}");
  if (!reply || !*reply) {
    std::cerr << "hpcflow redrive: the server of " << state_dir << " did not answer (see "
              << ServerLogFile(state_dir) << ")\n";
    return kExitBusy;
  }
  if ((*reply)->status != 200 && (*reply)->status != 202) {
    return ReportServerError("redrive", **reply);
  }
  auto body = ParseJson((*reply)->body);
  if ((*reply)->status == 202) {
    std::cerr << "hpcflow redrive: the redrive request is recorded; the embedding engine that "
                 "owns the execution ("
              << record.owner << ") acts on it when it opens\n";
    if (vm.count("json") && body) std::cout << DumpJson(*body) << "\n";
    return kExitOk;
  }
  const int64_t count = body && body->is_object() ? body->value("redriveCount", int64_t{0}) : 0;
  if (vm.count("wait")) {
    std::cerr << record.id << " (redrive " << count << ")\n";
    return WaitAndPrint(*found->store, record.id, vm.count("json") > 0);
  }
  if (vm.count("json") && body) {
    std::cout << DumpJson(*body) << "\n";
  } else {
    std::cout << record.id << "\n";
    std::cerr << "hpcflow redrive: redrive " << count << " of " << record.id << " runs\n";
  }
  return kExitOk;
}

}  // namespace hpcflow::orchestrator
