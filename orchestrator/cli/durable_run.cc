#include "orchestrator/cli/durable_run.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include <filesystem>

#include "common/ids.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/server/api_server.h"
#include "orchestrator/store/execution_store.h"
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

Result<RunResult> RunDurably(DurableRunOptions o) {
  auto source = ReadDefinition(o.workflow_path);
  if (!source) return Fail(source.error());
  auto store = ExecutionStore::Open(o.state_dir);
  if (!store) return Fail(store.error());
  auto token_key = LoadOrCreateSecret(TokenKeyFile(o.state_dir));
  if (!token_key) return Fail(token_key.error());
  auto control_key = LoadOrCreateSecret(ControlKeyFile(o.state_dir));
  if (!control_key) return Fail(control_key.error());

  std::error_code ec;
  NewExecution spec;
  spec.workflow = source->workflow;
  spec.definition = std::move(source->text);
  spec.input = o.input_text.empty() ? DumpJson(o.input) : std::move(o.input_text);
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

  RuntimeOptions options;
  options.state_dir = o.state_dir;
  options.hpcflow_binary = SelfBinary();
  options.owner = record.owner;
  options.poll_interval_ms = 50;
  options.token_secret = *token_key;
  // This process is the only one that can take its jobs' reports, and it
  // ends with its execution: a job that ends later gives up soon.
  options.callback_retry_seconds = 60;
  auto runtime = DurableRuntime::Create(options);
  if (!runtime) return Fail(runtime.error());
  ApiServerOptions api_options;
  api_options.address = o.listen_address;
  api_options.port = o.listen_port;
  api_options.control_secret = *control_key;
  api_options.state_dir = o.state_dir;
  auto api = ApiServer::Start(api_options, **runtime);
  if (!api) return Fail(api.error());
  (*runtime)->SetCallbackUrl((*api)->url());
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
  Status started = (*runtime)->StartExecution(record, std::move(o.input));
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
  (*api)->Stop();
  if (!ran) return Fail(ran.error());

  auto done = (*store)->GetExecution(record.id);
  if (!done) return Fail(done.error());
  if (!*done) return Fail("store", "the execution vanished from the store");
  const ExecutionRecord& r = **done;
  RunResult result;
  result.execution_id = r.id;
  result.transitions = r.transitions;
  result.status = r.status == "SUCCEEDED"   ? workflows::ExecutionStatus::kSucceeded
                  : r.status == "TIMED_OUT" ? workflows::ExecutionStatus::kTimedOut
                  : r.status == "ABORTED"   ? workflows::ExecutionStatus::kAborted
                  : r.status == "FAILED"    ? workflows::ExecutionStatus::kFailed
                                            : workflows::ExecutionStatus::kRunning;
  if (r.output) {
    auto output = ParseJson(*r.output);
    if (output) result.output = std::move(*output);
  }
  result.error.name = r.error.value_or("");
  result.error.cause = r.cause;
  result.interrupted_by = (*runtime)->interrupts() > 0 ? static_cast<int>(g_run_signal) : 0;
  return result;
}

}  // namespace hpcflow::orchestrator
