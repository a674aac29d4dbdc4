// GET /v1/executions/{id}/history: the history events, oldest first.
#include "orchestrator/server/api_operations.h"
#include "orchestrator/store/execution_json.h"

namespace hpcflow::orchestrator {

void ExecutionHistoryOp(ApiContext& context, const HttpRequest& /*request*/,
                        const std::vector<std::string>& parts, HttpResponder respond) {
  DurableRuntime& runtime = context.runtime;
  WithExecution(context, parts[2], std::move(respond),
                [&runtime](const ExecutionRecord& r, HttpResponder done) {
                  auto events = runtime.store().History(r);
                  if (!events) {
                    return done(ErrorResponse(503, "StoreUnavailable", events.error().cause));
                  }
                  done(JsonResponse(200, HistoryJson(*events)));
                });
}

}  // namespace hpcflow::orchestrator
