// POST /v1/executions/{id}/stop [{"error": E, "cause": C}]: stops a running
// execution and cancels its jobs. One that an `hpcflow run` process or an
// embedding Engine owns is left a request; one whose `run` is gone is taken
// over first.
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/server/api_operations.h"
#include "orchestrator/store/execution_json.h"
#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

void StopExecutionOp(ApiContext& context, const HttpRequest& request,
                     const std::vector<std::string>& parts, HttpResponder respond) {
  auto body = ParseJson(request.body.empty() ? "{}" : request.body);
  Json p = body && body->is_object() ? *body : Json::object();
  workflows::AslError error{p.value("error", std::string("States.Aborted")),
                            p.value("cause", std::string("stopped by the user"))};
  WithExecution(context, parts[2], std::move(respond),
                [&context, error](const ExecutionRecord& r, HttpResponder done) {
                  if (IsFinalStatus(r.status)) {
                    Json out = StatusJson(r);
                    out["alreadyEnded"] = true;
                    return done(JsonResponse(200, out));
                  }
                  DurableRuntime& runtime = context.runtime;
                  Status s;
                  bool run_owned = r.owner.rfind("run:", 0) == 0;
                  // An embedding engine's executions wait for it (only it
                  // has their functions): it takes the request when it opens.
                  bool engine_owned = r.owner.rfind("engine:", 0) == 0;
                  if (engine_owned || (run_owned && IsOwnerAlive(context.state_dir, r.owner))) {
                    s = runtime.store().AddRequest(r.id, "stop", DumpJson(ErrorPayload(error)));
                  } else {
                    if (run_owned) s = runtime.AdoptExecution(r);
                    if (s) s = runtime.StopExecution(r.id, error);
                  }
                  if (!s) return done(ErrorResponse(503, "StoreUnavailable", s.error().cause));
                  auto now = runtime.store().GetExecution(r.id);
                  done(JsonResponse(200, now && *now ? StatusJson(**now) : StatusJson(r)));
                });
}

}  // namespace hpcflow::orchestrator
