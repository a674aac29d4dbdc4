#include "orchestrator/store/new_execution.h"

#include "common/ids.h"

namespace hpcflow::orchestrator {

ExecutionRecord NewExecutionRecord(NewExecution spec) {
  ExecutionRecord record;
  record.id = spec.id.empty() ? NewUuid() : std::move(spec.id);
  record.name = spec.name.empty() ? record.id : std::move(spec.name);
  record.workflow = std::move(spec.workflow);
  record.definition = std::move(spec.definition);
  record.input = std::move(spec.input);
  record.status = "PENDING";
  record.created_ms = NowMs();
  // Kept to 63 bits: the store's integers are signed.
  record.seed = static_cast<int64_t>((spec.seed ? spec.seed : RandomSeed()) >> 1);
  record.backend = std::move(spec.backend);
  record.express = spec.express;
  record.payload_limit = spec.payload_limit;
  record.workdir = std::move(spec.workdir);
  record.owner = std::move(spec.owner);
  record.parent_id = std::move(spec.parent_id);
  record.parent_task = spec.parent_task;
  record.parent_mode = std::move(spec.parent_mode);
  record.state_machine = std::move(spec.state_machine);
  return record;
}

}  // namespace hpcflow::orchestrator
