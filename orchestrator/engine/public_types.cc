#include "orchestrator/engine/public_types.h"

namespace hpcflow::orchestrator {

ExecutionInfo ToExecutionInfo(const ExecutionRecord& r) {
  ExecutionInfo info;
  info.id = r.id;
  info.name = r.name;
  info.workflow = r.workflow;
  info.status = r.status;
  info.backend = r.backend;
  info.express = r.express;
  info.input = r.input;
  info.output = r.output;
  info.error = r.error;
  info.cause = r.cause;
  info.start_ms = r.start_ms;
  info.stop_ms = r.stop_ms;
  info.transitions = r.transitions;
  info.parent_id = r.parent_id;
  info.redrive_count = r.redrive_count;
  info.redrive_ms = r.redrive_ms;
  return info;
}

HistoryEvent ToHistoryEvent(const HistoryRow& row) {
  HistoryEvent event;
  event.id = row.id;
  event.timestamp_ms = row.time_ms;
  event.type = row.type;
  event.state_name = row.state;
  event.details = row.details;
  return event;
}

HistoryEvent ToHistoryEvent(const workflows::HistoryEvent& e) {
  HistoryEvent event;
  event.id = e.id;
  event.previous_id = e.previous_id;
  event.timestamp_ms = e.time;
  event.type = e.type;
  event.state_name = e.state_name;
  event.details = e.details;
  return event;
}

}  // namespace hpcflow::orchestrator
