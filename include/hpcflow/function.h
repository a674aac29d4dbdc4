// Function tasks: Task states with the resource hpcflow:::function:NAME run
// a callable that the embedding program registered with its Engine, so a
// pipeline mixes its own steps (C++ or Python) with cluster jobs in one
// workflow.
//
//   engine->RegisterFunction("normalise", [](const hpcflow::FunctionCall& call)
//       -> hpcflow::Result<std::string> {
//     return Normalise(call.input());           // JSON text in, JSON text out
//   });
//
// The task's input is the state's effective input (after InputPath and
// Parameters); what the function returns is the task's result (then
// ResultSelector, ResultPath, OutputPath). A failure,
// Error{"Pipeline.BadSample", "why"}, is the task's ASL error: Retry and
// Catch see that name and cause. An exception escaping the function becomes
// Error{"hpcflow.FunctionException", what()}.
//
// `hpcflow:::function:NAME.waitForTaskToken` calls the function with the
// task token (call.task_token()) and ignores what it returns, unless it
// fails: the task ends when someone reports the token (Engine::
// SendTaskSuccess/SendTaskFailure, a Client, or `hpcflow callback`).
//
// Delivery: at least once. A function runs again when the engine is opened
// again on a state directory whose execution was waiting for it (the process
// died mid-call), and when a Retry asks. Make functions idempotent, or key
// their side effects by call.execution_id() + state_name() + attempt().
#ifndef HPCFLOW_FUNCTION_H_
#define HPCFLOW_FUNCTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hpcflow/export.h"
#include "hpcflow/result.h"

namespace hpcflow {

// One call of a function task. Valid while the function runs; an
// asynchronous function keeps its shared_ptr<FunctionCall> as long as it
// needs.
class HPCFLOW_API FunctionCall {
 public:
  virtual ~FunctionCall() = default;

  virtual const std::string& input() const = 0;  // JSON text
  virtual const std::string& execution_id() const = 0;
  virtual const std::string& state_name() const = 0;
  // $$.Task.Token: signed, and the same for every delivery of one attempt.
  virtual const std::string& task_token() const = 0;
  virtual int attempt() const = 0;         // 0 for the first, then one per Retry
  virtual int64_t item_index() const = 0;  // the Map item's index, or -1
  // True once the task no longer waits (the execution stopped, a Parallel
  // branch failed, the task timed out): a long function may give up.
  virtual bool cancelled() const = 0;

  // Asynchronous functions end their task with one of these, from any
  // thread, once. Later calls, and calls after cancelled(), change nothing.
  // Succeed's output is JSON text; text that is not JSON fails the task with
  // hpcflow.InvalidOutput.
  virtual void Succeed(std::string output) = 0;
  virtual void Fail(std::string error, std::string cause) = 0;
};

// A synchronous function: runs on one of the engine's function threads and
// returns the task's result (JSON text) or its ASL error.
using Function = std::function<Result<std::string>(const FunctionCall& call)>;

// An asynchronous function: starts the work and returns at once; the task
// ends when the work calls call->Succeed or call->Fail.
using AsyncFunction = std::function<void(std::shared_ptr<FunctionCall> call)>;

}  // namespace hpcflow

#endif  // HPCFLOW_FUNCTION_H_
