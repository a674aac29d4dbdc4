// GET /v1/executions[?status=S&limit=N]: the newest executions first,
// without their outputs.
#include <algorithm>
#include <cstdlib>

#include "orchestrator/server/api_operations.h"
#include "orchestrator/store/execution_json.h"

namespace hpcflow::orchestrator {

void ListExecutionsOp(ApiContext& context, const HttpRequest& request,
                      const std::vector<std::string>& /*parts*/, HttpResponder respond) {
  std::string status;
  int limit = 100;
  if (auto it = request.query.find("status"); it != request.query.end()) status = it->second;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    limit = std::max(1, std::min(100000, std::atoi(it->second.c_str())));
  }
  DurableRuntime& runtime = context.runtime;
  runtime.Post([&runtime, status, limit, respond] {
    auto records = runtime.store().ListExecutions(status, limit);
    if (!records) return respond(ErrorResponse(503, "StoreUnavailable", records.error().cause));
    Json out = Json::array();
    for (const auto& r : *records) {
      Json row = StatusJson(r);
      row.erase("output");
      out.push_back(std::move(row));
    }
    respond(JsonResponse(200, out));
  });
}

}  // namespace hpcflow::orchestrator
