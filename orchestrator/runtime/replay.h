// The inputs log and how an interpreter is fed from it (DESIGN.md §5,
// durability): everything an execution decided follows from its recorded
// inputs (start, task ends, timers, stops, continues) fed in order to an
// interpreter built from its record. Deciding now and replaying after a
// crash go through these same functions, so a resumed execution reaches the
// same state, with the same task and timer ids, as the one that died.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_REPLAY_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_REPLAY_H_

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"
#include "orchestrator/runtime/task_token.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/execution_store.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

// Long Pass/Choice loops are cut into steps of this many transitions: each
// step's history is committed on its own (a "continue" input follows).
inline constexpr int64_t kTransitionsPerStep = 20'000;

// What the host adds to an execution's interpreter.
struct InterpreterHooks {
  // Signs $$.Task.Token (the same token again on replay).
  std::function<std::string(const workflows::TaskRequest&)> make_task_token;
  // The backend throttles a Map's items itself (Slurm arrays).
  std::function<bool(const std::string& resource)> host_throttles;
  // Every history event; empty for express executions (they keep none).
  std::function<void(const workflows::HistoryEvent&)> on_event;
};

// The interpreter of `record`, built the same way for a first run, a resume
// and a check of the replay.
std::unique_ptr<workflows::Interpreter> MakeExecutionInterpreter(const ExecutionRecord& record,
                                                                 const LoadedWorkflow& workflow,
                                                                 InterpreterHooks hooks);

// The claims of a task's token ($$.Task.Token): signed, they give the same
// token again when the task is replayed.
TokenClaims TaskTokenClaims(const std::string& execution_id, const workflows::TaskRequest& task);

// The value an input carries, from its recorded payload text (JSON null when
// it has none or the text is not JSON).
Json InputValue(const InputRecord& input);

// The inputs that redrives left out (each "redrive" input names, in its
// ref, the input that had ended the execution): a replay skips them.
std::set<int64_t> RedrivenInputs(const std::vector<InputRecord>& inputs);

// The payload of a "redrive" input: what Interpreter::Redrive is given.
Json RedrivePayload(const workflows::RedriveRequest& request);

// Feeds one input to the interpreter: the same call whether it is decided
// now or replayed. `value` is the input's payload, parsed.
workflows::Effects FeedInput(workflows::Interpreter& interpreter, const InputRecord& input,
                             Json value);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_REPLAY_H_
