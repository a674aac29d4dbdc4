// The store's records as the public API's values (include/hpcflow/).
#ifndef HPCFLOW_ORCHESTRATOR_ENGINE_PUBLIC_TYPES_H_
#define HPCFLOW_ORCHESTRATOR_ENGINE_PUBLIC_TYPES_H_

#include "hpcflow/execution.h"
#include "orchestrator/store/execution_store.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

ExecutionInfo ToExecutionInfo(const ExecutionRecord& record);
HistoryEvent ToHistoryEvent(const HistoryRow& row);
HistoryEvent ToHistoryEvent(const workflows::HistoryEvent& event);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_ENGINE_PUBLIC_TYPES_H_
