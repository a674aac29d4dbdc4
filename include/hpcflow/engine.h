// hpcflow::Engine: runs workflows in this process, on a state directory.
//
// The embedded default: no server, no daemon. The engine is the same
// durable runtime as `hpcflow server` and `hpcflow run` (every backend, the
// callback endpoint its jobs report to, a history that survives a crash),
// plus function tasks served by callables of this program.
//
//   auto engine = hpcflow::Engine::Open({.state_dir = "/scratch/me/flow"});
//   if (!engine) return Die(engine.error());
//   (*engine)->RegisterFunction("score", Score);
//   auto id = (*engine)->Start({.definition_file = "pipeline.yaml",
//                               .input = R"({"samples": 96})"});
//   auto done = (*engine)->Wait(*id, std::chrono::hours(2));
//
// Identity and crashes: the engine owns its executions under its name
// (EngineOptions::name) while it is open; only one process at a time may
// open a name on one state directory. Opening the same name again, after a
// crash, resumes the executions it left running: jobs already submitted are
// adopted, never run twice; function calls that were in flight are made
// again (function.h). A server on the same directory leaves an engine's
// executions alone, because only the engine has the functions.
//
// Threads: every method may be called from any thread but one. The engine
// runs its own thread for decisions and `function_threads` threads for
// synchronous functions. Event subscribers are called on the engine's
// thread: keep them short. Start, Stop, Wait and SendTask*, which wait for
// the engine's thread, fail with hpcflow.WrongThread when called on it (from
// a subscriber, or a function run with function_threads = 0) instead of
// waiting forever. A Subscription may outlive its Engine; ending it then does
// nothing. An asynchronous function that ends after its Engine closed
// reports to no one: its task is called again when the engine reopens.
#ifndef HPCFLOW_ENGINE_H_
#define HPCFLOW_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hpcflow/execution.h"
#include "hpcflow/export.h"
#include "hpcflow/function.h"
#include "hpcflow/result.h"

namespace hpcflow {

struct EngineOptions {
  // The state directory (created 0700 if missing); empty: $HPCFLOW_HOME,
  // then ~/.hpcflow.
  std::string state_dir;
  // Who owns this engine's executions in the state directory.
  std::string name = "default";
  // The backend of hpcflow:::job:run tasks when a StartRequest names none.
  std::string default_backend = "local";
  // Threads for synchronous functions. 0: they run on the engine's own
  // thread, with no hand-over (the fastest round trip, for short
  // functions; a slow one holds up every execution of this engine).
  int function_threads = 2;
  // Where this process listens for its jobs' reports (loopback by default;
  // an address compute nodes reach for Slurm jobs), and on which port (0:
  // any free one).
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 0;
  // The `hpcflow` binary that wraps jobs; empty: $HPCFLOW_BINARY, then the
  // installed one, then the one on PATH.
  std::string hpcflow_binary;
  // Functions for hpcflow:::function:NAME tasks, there from the start: the
  // executions resumed when the engine opens may need them at once.
  // RegisterFunction adds more later.
  std::map<std::string, Function> functions;
  std::map<std::string, AsyncFunction> async_functions;
};

// Events of one execution, as they are committed, until the subscription
// is destroyed or the execution ends.
class HPCFLOW_API Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&&) noexcept;
  Subscription& operator=(Subscription&&) noexcept;
  ~Subscription();  // unsubscribes (waits for a call in progress to return)

 private:
  friend class Engine;
  friend class Client;
  struct Impl;
  explicit Subscription(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using EventHandler = std::function<void(const HistoryEvent& event)>;

// What Engine::StartAndSubscribe returns.
struct StartedExecution {
  std::string execution_id;
  Subscription subscription;
};

class HPCFLOW_API Engine {
 public:
  // Opens the state directory and resumes what this engine's name left
  // running. Errors: "store" (the directory or its database cannot be
  // used, or is refused for its permissions), "busy" (another process has
  // this name open), "io" (the callback endpoint cannot listen).
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  // Closes: executions still running stay in the state directory, RUNNING,
  // and resume when the engine is opened again; their jobs run on.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Makes hpcflow:::function:NAME tasks call `function`. Register before
  // starting executions that use it (Start refuses a definition naming a
  // function that is not registered); the functions resumed executions
  // need belong in EngineOptions::functions. Registering a name again
  // replaces the function for later calls. Errors: "usage" (a name that is
  // not letters, digits, '_' and '-', or longer than 80).
  Status RegisterFunction(const std::string& name, Function function);
  Status RegisterAsyncFunction(const std::string& name, AsyncFunction function);

  // Validates and starts an execution; returns its id. Errors:
  // "hpcflow.InvalidDefinition" (cause: one FILE:LINE:COL: PATH: message
  // line per problem, including functions that are not registered),
  // "usage" (input that is not JSON, an unknown backend),
  // "ExecutionAlreadyExists" (the name is taken), "store".
  Result<std::string> Start(const StartRequest& request);
  // Starts as Start does, and calls `handler` for every event of the new
  // execution from its first (ExecutionStarted): a Subscribe after Start
  // may miss the first events of a fast execution. Same errors as Start.
  Result<StartedExecution> StartAndSubscribe(const StartRequest& request, EventHandler handler);

  // The execution by id or name. Errors: "NotFound", "store".
  Result<ExecutionInfo> Describe(const std::string& id_or_name);
  // Blocks until the execution ends, or `timeout` passes. Errors:
  // "Timeout" (it still runs), "NotFound", "store".
  Result<ExecutionInfo> Wait(const std::string& id_or_name, std::chrono::milliseconds timeout);
  // Stops a running execution (ABORTED with `error` and `cause`); its jobs
  // are cancelled. Stopping one that ended changes nothing. Errors:
  // "NotFound", "store".
  Status Stop(const std::string& id_or_name, const std::string& error = "",
              const std::string& cause = "");
  // Continues an execution that FAILED, TIMED_OUT or was ABORTED under the
  // same id, as AWS's RedriveExecution: what succeeded is kept, the states
  // that failed or were cancelled by its end run again (Map iterations and
  // Parallel branches: only those), with their retry counters reset; its
  // history goes on with ExecutionRedriven. Errors: "NotFound",
  // "ExecutionNotRedrivable" (with why: it succeeded, is express, ...),
  // "store".
  Status Redrive(const std::string& id_or_name);
  // Errors: "NotFound", "store".
  Result<std::vector<HistoryEvent>> History(const std::string& id_or_name);
  Result<std::vector<ExecutionInfo>> List(const ListRequest& request = {});
  // Calls `handler` for each event of the execution committed from now on.
  // Express executions record no history, so their subscribers hear
  // nothing. Errors: "NotFound".
  Result<Subscription> Subscribe(const std::string& id_or_name, EventHandler handler);

  // Ends a task that waits for its token (.waitForTaskToken), as the
  // callback API does. Repeating the report that ended a task succeeds.
  // Errors: "InvalidToken" (not a token of this state directory),
  // "TaskDoesNotExist" (no such execution), "TaskTimedOut" (the task has
  // ended otherwise), "usage" (output that is not JSON), "unavailable".
  Status SendTaskSuccess(const std::string& task_token, const std::string& output);
  Status SendTaskFailure(const std::string& task_token, const std::string& error,
                         const std::string& cause);
  Status SendTaskHeartbeat(const std::string& task_token);

  const std::string& state_dir() const;

 private:
  struct Impl;
  struct Prepared;
  Result<Prepared> Prepare(const StartRequest& request);
  Result<std::string> Launch(const Prepared& prepared);
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hpcflow

#endif  // HPCFLOW_ENGINE_H_
