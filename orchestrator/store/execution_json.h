// How executions and their history are shown as JSON: by `status`, `list`
// and `history --json`, and by the control API that serves them.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_EXECUTION_JSON_H_
#define HPCFLOW_ORCHESTRATOR_STORE_EXECUTION_JSON_H_

#include <vector>

#include "common/json.h"
#include "orchestrator/store/execution_store.h"

namespace hpcflow::orchestrator {

bool IsFinalStatus(const std::string& status);
Json StatusJson(const ExecutionRecord& record);
// FAILED, TIMED_OUT or ABORTED: the ends a redrive continues from.
bool IsUnsuccessfulEnd(const std::string& status);
// Why `record` cannot be redriven (hpcflow redrive, AWS's RedriveExecution),
// as AWS's RedriveStatusReason words it; "" when it can be: a Standard,
// top-level execution that FAILED, TIMED_OUT or was ABORTED for a reason a
// new attempt can change. `status` is the execution's (a caller may know it
// before the record does); `by_parent`: its parent redrives it, so being a
// child is no reason.
std::string RedriveRefusal(const ExecutionRecord& record, const std::string& status,
                           bool by_parent = false);
Json HistoryJson(const std::vector<HistoryRow>& events);

// `text` safe to print on a terminal: control characters (C0, DEL and the
// C1 range, which can start escape sequences) written as \xNN, so that an
// execution named "\e]0;..." cannot drive the user's terminal.
std::string TerminalSafe(const std::string& text);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_EXECUTION_JSON_H_
