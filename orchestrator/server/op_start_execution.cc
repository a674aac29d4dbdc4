// POST /v1/executions: start an execution. The client may choose the id, so
// that a submission it retries (its answer was lost) starts one execution,
// not two; a name already taken is 409.
#include "common/ids.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/state_machine_ref.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/server/api_operations.h"
#include "orchestrator/store/new_execution.h"

namespace hpcflow::orchestrator {

void StartExecutionOp(ApiContext& context, const HttpRequest& request,
                      const std::vector<std::string>& /*parts*/, HttpResponder respond) {
  auto body = ParseJson(request.body);
  if (!body || !body->is_object()) {
    return respond(ErrorResponse(400, "InvalidRequest", "the body must be a JSON object"));
  }
  NewExecution spec;
  spec.id = body->value("id", std::string());
  if (spec.id.size() > 128 || spec.id.find_first_of("/\\ \t\n") != std::string::npos) {
    return respond(ErrorResponse(400, "InvalidRequest",
                                 "an execution id is at most 128 characters, without "
                                 "slashes or spaces"));
  }
  spec.workflow = body->value("workflow", std::string());
  spec.definition = body->value("definition", std::string());
  std::string name = body->value("name", std::string());
  spec.name = name;
  spec.backend = body->value("backend", std::string("local"));
  spec.express = body->value("express", false);
  spec.state_machine = body->value("stateMachine", std::string());
  spec.payload_limit = body->value("payload_limit", int64_t{0});
  spec.workdir = body->value("workdir", std::string());
  spec.input = DumpJson(body->contains("input") ? (*body)["input"] : Json::object());
  ExecutionRecord record = NewExecutionRecord(std::move(spec));
  if (!BackendRegistry::IsKnown(record.backend)) {
    return respond(ErrorResponse(
        400, "InvalidRequest",
        "unknown backend '" + record.backend + "' (" + BackendRegistry::KnownNames() + ")"));
  }
  // Started by a registered name alone: the registry (on the loop) gives
  // the definition, validated when it was registered.
  const bool by_name = record.definition.empty() && !record.state_machine.empty();
  std::vector<std::string> problems;
  if (!by_name && !LoadWorkflowText(record.definition, record.workflow, problems)) {
    std::string text;
    for (const auto& p : problems) text += p + "\n";
    return respond(ErrorResponse(400, "InvalidDefinition", text));
  }
  DurableRuntime& runtime = context.runtime;
  runtime.Post([&runtime, record = std::move(record), name, respond, by_name]() mutable {
    if (by_name) {
      auto machine = FindRegisteredStateMachine(runtime.store(), record.state_machine);
      if (!machine || !*machine) {
        return respond(ErrorResponse(
            !machine && machine.error().name == "store" ? 503 : 404, "StateMachineDoesNotExist",
            machine ? "no state machine is registered as '" + record.state_machine + "'"
                    : machine.error().cause));
      }
      StateMachineRecord& m = **machine;
      record.definition = std::move(m.definition);
      record.workflow = m.workflow;
      record.state_machine = m.name;
      record.express = record.express || m.type == "EXPRESS";
    }
    auto same = runtime.store().GetExecution(record.id);
    if (same && *same && (*same)->id == record.id) {
      // A retried submission: it was started the first time.
      return respond(JsonResponse(
          200, Json{{"executionId", record.id}, {"name", (*same)->name}, {"existing", true}}));
    }
    if (!name.empty()) {
      auto existing = runtime.store().GetExecution(name);
      if (existing && *existing) {
        return respond(ErrorResponse(409, "ExecutionAlreadyExists",
                                     "an execution named '" + name + "' already exists"));
      }
    }
    if (auto s = runtime.CreateExecution(record); !s) {
      return respond(ErrorResponse(503, "StoreUnavailable", s.error().cause));
    }
    // Answer once it is recorded; starting it (a Map of a million items) is
    // the loop's next piece of work.
    respond(JsonResponse(201, Json{{"executionId", record.id}, {"name", record.name}}));
    runtime.Post([&runtime, record] { runtime.LoadCreated(record); });
  });
}

}  // namespace hpcflow::orchestrator
