// GET /v1/executions/{id}: an execution by id or name.
#include "orchestrator/server/api_operations.h"
#include "orchestrator/store/execution_json.h"

namespace hpcflow::orchestrator {

void DescribeExecutionOp(ApiContext& context, const HttpRequest& /*request*/,
                         const std::vector<std::string>& parts, HttpResponder respond) {
  DurableRuntime& runtime = context.runtime;
  WithExecution(context, parts[2], std::move(respond),
                [&runtime](const ExecutionRecord& r, HttpResponder done) {
                  Json out = StatusJson(r);
                  // Only here, as in DescribeExecution: lists stay small.
                  auto input = ParseJson(r.input.empty() ? "{}" : r.input);
                  out["input"] = input ? std::move(*input) : Json(r.input);
                  // The server's own queries (reconciliation) serve every execution.
                  out["serverBackendCommands"] = runtime.BackendCommandCounts();
                  done(JsonResponse(200, out));
                });
}

}  // namespace hpcflow::orchestrator
