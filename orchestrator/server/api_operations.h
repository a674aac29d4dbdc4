// The operations of the HTTP API, one file each (op_*.cc), and the table
// that routes requests to them (api_routes.cc). docs/openapi.yaml documents
// the same table; a test checks that the two agree.
#ifndef HPCFLOW_ORCHESTRATOR_SERVER_API_OPERATIONS_H_
#define HPCFLOW_ORCHESTRATOR_SERVER_API_OPERATIONS_H_

#include <string>
#include <vector>

#include "common/json.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/server/http_server.h"

namespace hpcflow::orchestrator {

// What every operation may use. Operations touch the store and the runtime
// only from the runtime's loop (DurableRuntime::Post).
struct ApiContext {
  DurableRuntime& runtime;
  std::string control_secret;
  std::string state_dir;
};

// `parts`: the path's segments, percent-decoded one by one (an execution
// named "a/b" arrives as "a%2Fb" and stays one segment).
using ApiHandler = void (*)(ApiContext& context, const HttpRequest& request,
                            const std::vector<std::string>& parts, HttpResponder respond);

struct ApiRoute {
  const char* method;   // "GET" or "POST"
  const char* path;     // "/v1/executions/{id}/stop": "{...}" matches one segment
  bool control;         // needs "Authorization: Bearer <control.key>"
  const char* summary;  // one line, as in docs/openapi.yaml
  ApiHandler handler;
};

// Every route of the API.
const std::vector<ApiRoute>& ApiRoutes();

// Whether `parts` (segments of a request's path) match `route.path`.
bool PathMatches(const ApiRoute& route, const std::vector<std::string>& parts);

// "/v1/executions/a%20b/stop" -> {"v1", "executions", "a b", "stop"}.
std::vector<std::string> PathSegments(const std::string& path);

HttpResponse JsonResponse(int status, const Json& body);
HttpResponse ErrorResponse(int status, const std::string& error, const std::string& message);

// The operations (op_*.cc).
void TaskCallbackOp(ApiContext& context, const HttpRequest& request,
                    const std::vector<std::string>& parts, HttpResponder respond);
void StartExecutionOp(ApiContext& context, const HttpRequest& request,
                      const std::vector<std::string>& parts, HttpResponder respond);
void ListExecutionsOp(ApiContext& context, const HttpRequest& request,
                      const std::vector<std::string>& parts, HttpResponder respond);
void DescribeExecutionOp(ApiContext& context, const HttpRequest& request,
                         const std::vector<std::string>& parts, HttpResponder respond);
void ExecutionHistoryOp(ApiContext& context, const HttpRequest& request,
                        const std::vector<std::string>& parts, HttpResponder respond);
void StopExecutionOp(ApiContext& context, const HttpRequest& request,
                     const std::vector<std::string>& parts, HttpResponder respond);
void RedriveExecutionOp(ApiContext& context, const HttpRequest& request,
                        const std::vector<std::string>& parts, HttpResponder respond);

// Runs `then` on the loop with the execution named `id_or_name`, or answers
// 404 (503 when the store fails).
void WithExecution(ApiContext& context, const std::string& id_or_name, HttpResponder respond,
                   std::function<void(const ExecutionRecord&, HttpResponder)> then);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_SERVER_API_OPERATIONS_H_
