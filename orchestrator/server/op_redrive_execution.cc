// POST /v1/executions/{id}/redrive: continues an execution that FAILED,
// TIMED_OUT or was ABORTED (AWS's RedriveExecution). One that an embedding
// Engine owns is left a request (only it has the functions it calls); any
// other is taken over by the server, which runs it from then on.
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/server/api_operations.h"
#include "orchestrator/store/execution_json.h"
#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

void RedriveExecutionOp(ApiContext& context, const HttpRequest& /*request*/,
                        const std::vector<std::string>& parts, HttpResponder respond) {
  WithExecution(context, parts[2], std::move(respond),
                [&context](const ExecutionRecord& r, HttpResponder done) {
                  DurableRuntime& runtime = context.runtime;
                  if (r.owner.rfind("engine:", 0) == 0 && IsFinalStatus(r.status) &&
                      RedriveRefusal(r, r.status).empty()) {
                    if (auto s = runtime.store().AddRequest(r.id, "redrive", "{}"); !s) {
                      return done(ErrorResponse(503, "StoreUnavailable", s.error().cause));
                    }
                    Json out = StatusJson(r);
                    out["requested"] = true;
                    return done(JsonResponse(202, out));
                  }
                  if (auto s = runtime.RedriveExecution(r.id); !s) {
                    const std::string& name = s.error().name;
                    if (name == "ExecutionNotRedrivable") {
                      return done(ErrorResponse(409, name, s.error().cause));
                    }
                    return done(ErrorResponse(503, "StoreUnavailable", s.error().cause));
                  }
                  auto now = runtime.store().GetExecution(r.id);
                  done(JsonResponse(200, now && *now ? StatusJson(**now) : StatusJson(r)));
                });
}

}  // namespace hpcflow::orchestrator
