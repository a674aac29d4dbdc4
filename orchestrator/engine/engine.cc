// hpcflow::Engine (include/hpcflow/engine.h): the durable runtime of
// `hpcflow run`, kept open in the embedding process, with its loop on a
// thread of its own, a callback endpoint for its jobs, and the program's
// functions as a function host.
#include "hpcflow/engine.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "common/files.h"
#include "common/ids.h"
#include "orchestrator/engine/engine_binary.h"
#include "orchestrator/engine/function_pool.h"
#include "orchestrator/engine/public_types.h"
#include "orchestrator/engine/subscription_impl.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/runtime/state_machine_ref.h"
#include "orchestrator/runtime/task_resource.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/server/api_server.h"
#include "orchestrator/store/execution_json.h"
#include "orchestrator/store/execution_store.h"
#include "orchestrator/store/new_execution.h"
#include "orchestrator/store/secret_file.h"
#include "orchestrator/store/server_lock.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/state_files.h"

namespace hpcflow {

using orchestrator::ApiServer;
using orchestrator::CallbackKind;
using orchestrator::CallbackReply;
using orchestrator::CallbackRequest;
using orchestrator::DurableRuntime;
using orchestrator::ExecutionRecord;
using orchestrator::ExecutionStore;
using orchestrator::FunctionPool;
using orchestrator::ProcessLock;

struct Engine::Impl {
  EngineOptions options;
  std::string state_dir;
  std::string owner;  // "engine:NAME"
  std::optional<ProcessLock> owner_lock;
  std::unique_ptr<FunctionPool> functions;
  // Reads (describe, history, list) go to a connection of their own, so
  // they do not wait for the loop.
  std::mutex reader_mutex;
  std::unique_ptr<ExecutionStore> reader;
  std::unique_ptr<DurableRuntime> runtime;
  std::unique_ptr<ApiServer> api;
  std::thread loop;

  // The loop's state, and a count of ended executions that Wait watches.
  std::mutex mutex;
  std::condition_variable changed;
  bool loop_done = false;
  Error loop_error;
  uint64_t finished = 0;

  // Subscribers, called on the loop thread with the registry's mutex held,
  // so that unsubscribing waits for a call in progress (recursive: a handler
  // may end its own subscription, or another). Shared with the
  // Subscriptions, which may outlive the engine.
  struct Subscriber {
    std::string execution_id;
    std::shared_ptr<EventHandler> handler;  // alive while it runs, even if unsubscribed
  };
  struct Subscribers {
    std::recursive_mutex mutex;
    std::map<uint64_t, Subscriber> by_key;
    uint64_t next_key = 1;
  };
  std::shared_ptr<Subscribers> subscribers = std::make_shared<Subscribers>();

  // Registers `handler` for the events of `execution_id` committed from now.
  Subscription AddSubscriber(const std::string& execution_id, EventHandler handler) {
    uint64_t key;
    {
      std::lock_guard<std::recursive_mutex> lock(subscribers->mutex);
      key = subscribers->next_key++;
      subscribers->by_key[key] =
          Subscriber{execution_id, std::make_shared<EventHandler>(std::move(handler))};
    }
    auto sub = std::make_unique<Subscription::Impl>();
    // A Subscription may outlive its engine: then there is nothing to end.
    std::weak_ptr<Subscribers> weak = subscribers;
    sub->cancel = [weak, key] {
      auto registry = weak.lock();
      if (!registry) return;
      std::lock_guard<std::recursive_mutex> lock(registry->mutex);
      registry->by_key.erase(key);
    };
    return Subscription(std::move(sub));
  }

  // Waits for what the loop thread answers; false if the loop stopped (a
  // store failure) first, instead of waiting forever.
  template <typename T>
  bool AwaitLoop(std::future<T>& future) {
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      std::lock_guard<std::mutex> lock(mutex);
      if (loop_done) return false;
    }
    return true;
  }

  // A call that waits for the loop must not come from the loop itself (an
  // event handler, an inline function): it would wait forever.
  Status NotOnLoopThread(const char* what) const {
    if (std::this_thread::get_id() != loop.get_id()) return {};
    return Fail("hpcflow.WrongThread",
                std::string(what) +
                    " waits for the engine's own thread and cannot be called on it (from an "
                    "event handler, or a function run with function_threads = 0); call it from "
                    "another thread");
  }

  // Runs `work` on the loop thread and returns what it returns.
  template <typename T>
  Result<T> OnLoop(const char* what, std::function<Result<T>()> work) {
    if (auto s = NotOnLoopThread(what); !s) return Fail(s.error());
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    runtime->Post([promise, work = std::move(work)] { promise->set_value(work()); });
    if (!AwaitLoop(future)) return Fail("store", "the engine has stopped: " + loop_error.cause);
    return future.get();
  }

  Result<ExecutionRecord> Find(const std::string& id_or_name) {
    std::lock_guard<std::mutex> lock(reader_mutex);
    auto found = reader->GetExecution(id_or_name);
    if (!found) return Fail(found.error());
    if (!*found) return Fail("NotFound", "no execution '" + id_or_name + "' in " + state_dir);
    return std::move(**found);
  }

  void OnEvents(const std::string& execution_id,
                const std::vector<workflows::HistoryEvent>& events) {
    std::lock_guard<std::recursive_mutex> lock(subscribers->mutex);
    auto& by_key = subscribers->by_key;
    if (by_key.empty()) return;
    for (const auto& e : events) {
      HistoryEvent event = orchestrator::ToHistoryEvent(e);
      // By key, not by iterator: a handler may end any subscription.
      for (auto it = by_key.begin(); it != by_key.end();) {
        uint64_t key = it->first;
        if (it->second.execution_id == execution_id) {
          std::shared_ptr<EventHandler> handler = it->second.handler;
          (*handler)(event);
        }
        it = by_key.upper_bound(key);
      }
    }
  }

  void OnFinished() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
    }
    changed.notify_all();
  }

  Status SendCallback(CallbackRequest request) {
    if (auto s = NotOnLoopThread("Engine::SendTask*"); !s) return s;
    auto promise = std::make_shared<std::promise<CallbackReply>>();
    auto future = promise->get_future();
    runtime->PostCallback(std::move(request),
                          [promise](CallbackReply reply) { promise->set_value(std::move(reply)); });
    if (!AwaitLoop(future)) return Fail("unavailable", "the engine has stopped");
    CallbackReply reply = future.get();
    std::string message = reply.body.value("message", std::string());
    switch (reply.http_status) {
      case 200:
        return {};
      case 403:
        return Fail("InvalidToken", message);
      case 404:
        return Fail("TaskDoesNotExist", message);
      case 409:
        return Fail("TaskTimedOut", message);
      default:
        return Fail("unavailable", message);
    }
  }
};

namespace {

Status CheckFunctionName(const std::string& name) {
  if (orchestrator::IsValidFunctionName(name)) return {};
  return Fail("usage", "a function's name is letters, digits, '_' and '-', not '" + name + "'");
}

bool IsValidEngineName(const std::string& name) {
  // The same alphabet as function names: it becomes a lock file's name.
  return orchestrator::IsValidFunctionName(name);
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  if (!IsValidEngineName(options.name)) {
    return Fail("usage", "an engine's name is letters, digits, '_' and '-' (at most 80), not '" +
                             options.name + "'");
  }
  if (!orchestrator::BackendRegistry::IsKnown(options.default_backend)) {
    return Fail("usage", "unknown backend '" + options.default_backend + "' (" +
                             orchestrator::BackendRegistry::KnownNames() + ")");
  }
  for (const auto& [name, f] : options.functions) {
    if (auto s = CheckFunctionName(name); !s) return Fail(s.error());
  }
  for (const auto& [name, f] : options.async_functions) {
    if (auto s = CheckFunctionName(name); !s) return Fail(s.error());
  }
  auto impl = std::make_unique<Impl>();
  impl->state_dir = orchestrator::ResolveStateDirPath(options.state_dir);
  impl->owner = "engine:" + options.name;
  const std::string& dir = impl->state_dir;

  auto reader = ExecutionStore::Open(dir);
  if (!reader) return Fail(reader.error());
  impl->reader = std::move(*reader);
  auto token_key = orchestrator::LoadOrCreateSecret(orchestrator::TokenKeyFile(dir));
  if (!token_key) return Fail(token_key.error());
  auto control_key = orchestrator::LoadOrCreateSecret(orchestrator::ControlKeyFile(dir));
  if (!control_key) return Fail(control_key.error());
  auto lock = orchestrator::AcquireOwnerLock(dir, impl->owner);
  if (!lock) {
    if (lock.error().name == "busy") {
      return Fail("busy", "the engine '" + options.name + "' is open in another process on " + dir +
                              " (" + lock.error().cause + ")");
    }
    return Fail(lock.error());
  }
  impl->owner_lock.emplace(std::move(*lock));

  impl->functions = std::make_unique<FunctionPool>(options.function_threads);
  for (auto& [name, f] : options.functions) impl->functions->Register(name, std::move(f));
  for (auto& [name, f] : options.async_functions) {
    impl->functions->RegisterAsync(name, std::move(f));
  }
  options.functions.clear();
  options.async_functions.clear();

  orchestrator::RuntimeOptions runtime_options;
  runtime_options.state_dir = dir;
  runtime_options.hpcflow_binary = orchestrator::FindHpcflowBinary(options.hpcflow_binary);
  runtime_options.owner = impl->owner;
  runtime_options.poll_interval_ms = 50;
  runtime_options.token_secret = *token_key;
  runtime_options.functions = impl->functions.get();
  Impl* self = impl.get();
  runtime_options.on_events = [self](const std::string& id,
                                     const std::vector<workflows::HistoryEvent>& events) {
    self->OnEvents(id, events);
  };
  runtime_options.on_finished = [self](const std::string&) { self->OnFinished(); };
  auto runtime = DurableRuntime::Create(std::move(runtime_options));
  if (!runtime) return Fail(runtime.error());
  impl->runtime = std::move(*runtime);

  orchestrator::ApiServerOptions api_options;
  api_options.address = options.listen_address;
  api_options.port = options.listen_port;
  api_options.control_secret = *control_key;
  api_options.state_dir = dir;
  auto api = ApiServer::Start(api_options, *impl->runtime);
  if (!api) return Fail("io", "the engine's callback endpoint cannot listen: " + api.error().cause);
  impl->api = std::move(*api);
  impl->runtime->SetCallbackUrl(impl->api->url());
  // What this engine's name left running: resumed before anything new.
  if (auto s = impl->runtime->Recover(); !s) {
    // Calls Recover made end before the runtime they report to goes.
    impl->functions->Shutdown();
    impl->api->Stop();
    return Fail(s.error());
  }
  impl->options = std::move(options);
  impl->loop = std::thread([self] {
    Status ran = self->runtime->Run(/*until_idle=*/false);
    {
      std::lock_guard<std::mutex> lock(self->mutex);
      self->loop_done = true;
      if (!ran) self->loop_error = ran.error();
    }
    self->changed.notify_all();
  });
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::~Engine() {
  if (!impl_) return;
  impl_->runtime->RequestShutdown();
  if (impl_->loop.joinable()) impl_->loop.join();
  // The functions' threads end before the runtime they report to.
  impl_->functions->Shutdown();
  impl_->api->Stop();
  impl_->api.reset();
  impl_->runtime.reset();
}

const std::string& Engine::state_dir() const { return impl_->state_dir; }

Status Engine::RegisterFunction(const std::string& name, Function function) {
  if (auto s = CheckFunctionName(name); !s) return s;
  impl_->functions->Register(name, std::move(function));
  return {};
}

Status Engine::RegisterAsyncFunction(const std::string& name, AsyncFunction function) {
  if (auto s = CheckFunctionName(name); !s) return s;
  impl_->functions->RegisterAsync(name, std::move(function));
  return {};
}

// A validated execution record, not started yet (its id is known).
struct Engine::Prepared {
  std::shared_ptr<ExecutionRecord> record;
  std::shared_ptr<Json> input;
  // Validated here and handed over: the runtime does not parse it again.
  std::shared_ptr<orchestrator::LoadedWorkflow> workflow;
};

Result<Engine::Prepared> Engine::Prepare(const StartRequest& request) {
  std::optional<orchestrator::StateMachineRecord> machine;
  if (request.definition.empty() && request.definition_file.empty() &&
      !request.state_machine.empty()) {
    std::lock_guard<std::mutex> lock(impl_->reader_mutex);
    auto found = orchestrator::FindRegisteredStateMachine(*impl_->reader, request.state_machine);
    if (!found) return Fail(found.error());
    if (!*found) {
      return Fail("usage", "no state machine is registered as '" + request.state_machine + "'");
    }
    machine = std::move(*found);
  }
  auto source = machine ? Result<orchestrator::DefinitionSource>(orchestrator::DefinitionSource{
                              std::move(machine->definition), machine->workflow})
                        : orchestrator::ReadDefinition(request.definition_file, request.definition);
  if (!source) return Fail(source.error());
  std::string& text = source->text;
  const std::string& workflow = source->workflow;
  auto input = ParseJson(request.input);
  if (!input) return Fail("usage", "the input is not JSON: " + input.error().cause);
  std::string backend = request.backend.empty() ? impl_->options.default_backend : request.backend;
  if (!orchestrator::BackendRegistry::IsKnown(backend)) {
    return Fail("usage", "unknown backend '" + backend + "' (" +
                             orchestrator::BackendRegistry::KnownNames() + ")");
  }
  std::error_code ec;
  std::vector<std::string> problems;
  orchestrator::WorkflowChecks checks;
  FunctionPool* functions = impl_->functions.get();
  checks.function_known = [functions](const std::string& name) { return functions->Has(name); };
  checks.known_functions = functions->Names();
  auto loaded = orchestrator::LoadWorkflowText(text, workflow, problems, checks);
  if (!loaded) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    return Fail("hpcflow.InvalidDefinition", all);
  }

  orchestrator::NewExecution spec;
  spec.name = request.name;
  spec.workflow = workflow;
  spec.definition = std::move(text);
  spec.input = request.input;
  spec.backend = backend;
  spec.express = request.express || (machine && machine->type == "EXPRESS");
  spec.state_machine = machine ? machine->name : std::string();
  spec.owner = impl_->owner;
  spec.workdir = request.working_directory.empty() ? std::filesystem::current_path(ec).string()
                                                   : request.working_directory;
  auto record =
      std::make_shared<ExecutionRecord>(orchestrator::NewExecutionRecord(std::move(spec)));
  return Prepared{std::move(record), std::make_shared<Json>(std::move(*input)),
                  std::make_shared<orchestrator::LoadedWorkflow>(std::move(*loaded))};
}

Result<std::string> Engine::Launch(const Prepared& prepared) {
  DurableRuntime* runtime = impl_->runtime.get();
  auto record = prepared.record;
  auto parsed = prepared.input;
  auto workflow = prepared.workflow;
  bool named = record->name != record->id;
  return impl_->OnLoop<std::string>(
      "Engine::Start", [runtime, record, parsed, workflow, named]() -> Result<std::string> {
        if (named) {
          auto existing = runtime->store().GetExecution(record->name);
          if (!existing) return Fail(existing.error());
          if (*existing) {
            return Fail("ExecutionAlreadyExists",
                        "an execution named '" + record->name + "' already exists");
          }
        }
        if (auto s = runtime->StartExecution(*record, std::move(*parsed), workflow.get()); !s) {
          return Fail(s.error());
        }
        return record->id;
      });
}

Result<std::string> Engine::Start(const StartRequest& request) {
  auto prepared = Prepare(request);
  if (!prepared) return Fail(prepared.error());
  return Launch(*prepared);
}

Result<StartedExecution> Engine::StartAndSubscribe(const StartRequest& request,
                                                   EventHandler handler) {
  auto prepared = Prepare(request);
  if (!prepared) return Fail(prepared.error());
  // Subscribed before the loop sees the execution: no event is missed.
  Subscription subscription = impl_->AddSubscriber(prepared->record->id, std::move(handler));
  auto id = Launch(*prepared);
  if (!id) return Fail(id.error());  // the subscription ends here
  return StartedExecution{std::move(*id), std::move(subscription)};
}

Result<ExecutionInfo> Engine::Describe(const std::string& id_or_name) {
  auto record = impl_->Find(id_or_name);
  if (!record) return Fail(record.error());
  return orchestrator::ToExecutionInfo(*record);
}

Result<ExecutionInfo> Engine::Wait(const std::string& id_or_name,
                                   std::chrono::milliseconds timeout) {
  if (auto s = impl_->NotOnLoopThread("Engine::Wait"); !s) return Fail(s.error());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      seen = impl_->finished;
    }
    auto info = Describe(id_or_name);
    if (!info || info->done()) return info;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Fail("Timeout", "the execution '" + id_or_name + "' is still " + info->status);
    }
    std::unique_lock<std::mutex> lock(impl_->mutex);
    if (impl_->loop_done) {
      return Fail("store", "the engine has stopped: " + impl_->loop_error.cause);
    }
    // Woken by any execution's end; the store is asked again now and then
    // for ends that another process (a server) recorded.
    impl_->changed.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(250)),
                              [&] { return impl_->finished != seen || impl_->loop_done; });
  }
}

Status Engine::Stop(const std::string& id_or_name, const std::string& error,
                    const std::string& cause) {
  if (auto s = impl_->NotOnLoopThread("Engine::Stop"); !s) return s;
  auto record = impl_->Find(id_or_name);
  if (!record) return Fail(record.error());
  if (orchestrator::IsFinalStatus(record->status)) return {};
  workflows::AslError asl{error.empty() ? "States.Aborted" : error,
                          cause.empty() ? "stopped by the user" : cause};
  std::string id = record->id;
  bool mine = record->owner == impl_->owner;
  DurableRuntime* runtime = impl_->runtime.get();
  auto stopped = impl_->OnLoop<bool>("Engine::Stop", [runtime, id, asl, mine]() -> Result<bool> {
    // Another owner's (a server's, a run's, another engine's) gets the
    // request its owner takes at its next poll.
    Status s =
        mine ? runtime->StopExecution(id, asl)
             : runtime->store().AddRequest(id, "stop", DumpJson(orchestrator::ErrorPayload(asl)));
    if (!s) return Fail(s.error());
    return true;
  });
  if (!stopped) return Fail(stopped.error());
  return {};
}

Status Engine::Redrive(const std::string& id_or_name) {
  if (auto s = impl_->NotOnLoopThread("Engine::Redrive"); !s) return s;
  auto record = impl_->Find(id_or_name);
  if (!record) return Fail(record.error());
  std::string id = record->id;
  DurableRuntime* runtime = impl_->runtime.get();
  // Taken over from whoever ran it before (a server, a run that ended):
  // this engine runs it from now on.
  auto redriven = impl_->OnLoop<bool>("Engine::Redrive", [runtime, id]() -> Result<bool> {
    if (auto s = runtime->RedriveExecution(id); !s) return Fail(s.error());
    return true;
  });
  if (!redriven) return Fail(redriven.error());
  return {};
}

Result<std::vector<HistoryEvent>> Engine::History(const std::string& id_or_name) {
  auto record = impl_->Find(id_or_name);
  if (!record) return Fail(record.error());
  std::lock_guard<std::mutex> lock(impl_->reader_mutex);
  auto rows = impl_->reader->History(*record);
  if (!rows) return Fail(rows.error());
  std::vector<HistoryEvent> events;
  events.reserve(rows->size());
  for (const auto& row : *rows) events.push_back(orchestrator::ToHistoryEvent(row));
  return events;
}

Result<std::vector<ExecutionInfo>> Engine::List(const ListRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->reader_mutex);
  auto records = impl_->reader->ListExecutions(request.status, request.limit);
  if (!records) return Fail(records.error());
  std::vector<ExecutionInfo> out;
  out.reserve(records->size());
  for (const auto& r : *records) out.push_back(orchestrator::ToExecutionInfo(r));
  return out;
}

Result<Subscription> Engine::Subscribe(const std::string& id_or_name, EventHandler handler) {
  auto record = impl_->Find(id_or_name);
  if (!record) return Fail(record.error());
  return impl_->AddSubscriber(record->id, std::move(handler));
}

Status Engine::SendTaskSuccess(const std::string& task_token, const std::string& output) {
  auto parsed = ParseJson(output);
  if (!parsed) return Fail("usage", "the output is not JSON: " + parsed.error().cause);
  CallbackRequest request;
  request.kind = CallbackKind::kSuccess;
  request.token = task_token;
  request.output = std::move(*parsed);
  return impl_->SendCallback(std::move(request));
}

Status Engine::SendTaskFailure(const std::string& task_token, const std::string& error,
                               const std::string& cause) {
  CallbackRequest request;
  request.kind = CallbackKind::kFailure;
  request.token = task_token;
  request.error = error;
  request.cause = cause;
  return impl_->SendCallback(std::move(request));
}

Status Engine::SendTaskHeartbeat(const std::string& task_token) {
  CallbackRequest request;
  request.kind = CallbackKind::kHeartbeat;
  request.token = task_token;
  return impl_->SendCallback(std::move(request));
}

}  // namespace hpcflow
