// POST /v1/tasks/success|failure|heartbeat and POST /v1/jobs/end: callbacks.
// They need no control key: the task token in the body is their authority
// (HMAC-signed, bound to one task attempt), and a job end also needs the
// wrapper's report key (runtime/task_token.h).
#include "orchestrator/runtime/callback_request.h"
#include "orchestrator/server/api_operations.h"

namespace hpcflow::orchestrator {

void TaskCallbackOp(ApiContext& context, const HttpRequest& request,
                    const std::vector<std::string>& parts, HttpResponder respond) {
  CallbackKind kind = CallbackKind::kJobEnd;
  if (parts[1] == "tasks") {
    kind = parts[2] == "success"   ? CallbackKind::kSuccess
           : parts[2] == "failure" ? CallbackKind::kFailure
                                   : CallbackKind::kHeartbeat;
  }
  auto parsed = ParseCallbackRequest(kind, request.body);
  if (!parsed) return respond(ErrorResponse(400, parsed.error().name, parsed.error().cause));
  context.runtime.PostCallback(std::move(*parsed), [respond](CallbackReply reply) {
    respond(JsonResponse(reply.http_status, reply.body));
  });
}

}  // namespace hpcflow::orchestrator
