#include "orchestrator/cli/run_execution.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include <filesystem>

#include "common/ids.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/server/api_server.h"
#include "orchestrator/store/new_execution.h"
#include "orchestrator/store/secret_file.h"
#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

namespace {

DurableRuntime* g_run_runtime = nullptr;
volatile sig_atomic_t g_run_signal = 0;

// Ctrl-C (or SIGTERM) stops the execution and cancels its jobs; a second one
// leaves at once. Only async-signal-safe calls here.
void OnRunSignal(int sig) {
  g_run_signal = sig;
  DurableRuntime* runtime = g_run_runtime;
  if (runtime == nullptr) return;
  runtime->InterruptFromSignal();
  const char* message =
      runtime->interrupts() == 1
          ? "\nhpcflow run: interrupted: stopping the execution and cancelling its jobs "
            "(again to leave at once)\n"
          : "\nhpcflow run: leaving now\n";
  ssize_t ignored = write(STDERR_FILENO, message, strlen(message));
  (void)ignored;
}

}  // namespace

Result<RunResult> RunExecution(RunOptions o) {
  auto token_key = LoadOrCreateSecret(TokenKeyFile(o.state_dir));
  if (!token_key) return Fail(token_key.error());

  std::error_code ec;
  NewExecution spec;
  spec.workflow = o.source.workflow;
  spec.definition = std::move(o.source.text);
  spec.state_machine = o.state_machine;
  // An express run keeps no input: should this process die, the execution
  // is aborted by whoever takes it over, not started again for nobody.
  if (!o.express) spec.input = o.input_text.empty() ? DumpJson(o.input) : std::move(o.input_text);
  spec.seed = o.seed;
  spec.payload_limit = o.payload_limit;
  spec.backend = o.backend;
  spec.express = o.express;
  spec.owner = NewRunOwner();
  spec.workdir = std::filesystem::current_path(ec).string();
  ExecutionRecord record = NewExecutionRecord(std::move(spec));
  // Owned by this process while it lives (its owner lock says so): a server
  // takes the execution over if it dies (server_lock.h).
  auto owner_lock = AcquireOwnerLock(o.state_dir, record.owner);
  if (!owner_lock) return Fail(owner_lock.error());

  RunResult result;
  result.execution_id = record.id;
  RuntimeOptions options;
  options.state_dir = o.state_dir;
  options.hpcflow_binary = SelfBinary();
  options.owner = record.owner;
  options.poll_interval_ms = 50;
  options.token_secret = *token_key;
  // This process is the only one that can take its jobs' reports, and it
  // ends with its execution: a job that ends later gives up soon.
  options.callback_retry_seconds = 60;
  // The output comes from the interpreter, not read back from the store
  // (which keeps none for an express run).
  options.store_express_output = false;
  options.on_result = [&result](FinishedExecution finished) {
    if (finished.id != result.execution_id) return;  // a child's
    result.status = finished.status;
    result.output = std::move(finished.output);
    result.error = std::move(finished.error);
    result.transitions = finished.transitions;
  };
  auto runtime = DurableRuntime::Create(options);
  if (!runtime) return Fail(runtime.error());
  // The callback endpoint opens with the first job: a workflow without jobs
  // needs none, and pays for none.
  std::unique_ptr<ApiServer> api;
  (*runtime)->SetCallbackEndpointOpener([&api, &o, &runtime]() -> Result<std::string> {
    auto control_key = LoadOrCreateSecret(ControlKeyFile(o.state_dir));
    if (!control_key) return Fail(control_key.error());
    ApiServerOptions api_options;
    api_options.address = o.listen_address;
    api_options.port = o.listen_port;
    api_options.control_secret = *control_key;
    api_options.state_dir = o.state_dir;
    auto started = ApiServer::Start(api_options, **runtime);
    if (!started) return Fail(started.error());
    api = std::move(*started);
    return api->url();
  });
  g_run_runtime = runtime->get();
  struct sigaction action {};
  action.sa_handler = OnRunSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  // Started here, on the input already parsed (not again from the text just
  // stored); Run() then drives it.
  Status started = (*runtime)->StartExecution(record, std::move(o.input), &o.workflow);
  std::string().swap(record.input);  // the store and the interpreter have it
  auto ran = started ? (*runtime)->Run(/*until_idle=*/true) : started;
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  g_run_runtime = nullptr;
  if ((*runtime)->interrupts() >= 2) {
    auto left = (*runtime)->DescribeLiveJobs();
    if (!left.empty()) {
      std::cerr << "hpcflow run: left running (a server on this state directory takes them "
                   "over: hpcflow server --state-dir "
                << o.state_dir << "):\n";
      for (const auto& job : left) std::cerr << "  " << job << "\n";
    }
  }
  if (api) api->Stop();
  if (!ran) return Fail(ran.error());
  if (result.status == workflows::ExecutionStatus::kRunning && (*runtime)->interrupts() < 2) {
    return Fail("store", "the execution ended without a result");
  }
  result.interrupted_by = (*runtime)->interrupts() > 0 ? static_cast<int>(g_run_signal) : 0;
  return result;
}

std::string RunResultToJsonText(const RunResult& result) {
  if (result.status == workflows::ExecutionStatus::kSucceeded) {
    return "{\"status\":\"SUCCEEDED\",\"output\":" + DumpJson(result.output) + "}";
  }
  Json out = {{"status", workflows::ExecutionStatusName(result.status)}};
  if (!result.error.name.empty()) out["error"] = result.error.name;
  if (result.error.cause) out["cause"] = *result.error.cause;
  return DumpJson(out);
}

}  // namespace hpcflow::orchestrator
