#include <cctype>

#include "orchestrator/server/api_operations.h"

namespace hpcflow::orchestrator {

namespace {

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

const std::vector<ApiRoute>& ApiRoutes() {
  static const std::vector<ApiRoute> routes = {
      {"POST", "/v1/tasks/success", false, "Report a task's success (SendTaskSuccess)",
       TaskCallbackOp},
      {"POST", "/v1/tasks/failure", false, "Report a task's failure (SendTaskFailure)",
       TaskCallbackOp},
      {"POST", "/v1/tasks/heartbeat", false, "Report that a task is alive (SendTaskHeartbeat)",
       TaskCallbackOp},
      {"POST", "/v1/jobs/end", false, "The job wrapper's report of a job's end", TaskCallbackOp},
      {"POST", "/v1/executions", true, "Start an execution", StartExecutionOp},
      {"GET", "/v1/executions", true, "List executions", ListExecutionsOp},
      {"GET", "/v1/executions/{id}", true, "Describe an execution", DescribeExecutionOp},
      {"GET", "/v1/executions/{id}/history", true, "An execution's history", ExecutionHistoryOp},
      {"POST", "/v1/executions/{id}/stop", true, "Stop an execution", StopExecutionOp},
      {"POST", "/v1/executions/{id}/redrive", true,
       "Redrive an execution that failed, timed out or was aborted", RedriveExecutionOp},
  };
  return routes;
}

std::vector<std::string> PathSegments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(PercentDecode(path.substr(start, slash - start)));
    start = slash + 1;
  }
  return out;
}

bool PathMatches(const ApiRoute& route, const std::vector<std::string>& parts) {
  std::vector<std::string> pattern;
  std::string path = route.path;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    pattern.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (pattern.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    bool placeholder = !pattern[i].empty() && pattern[i].front() == '{';
    if (!placeholder && pattern[i] != parts[i]) return false;
  }
  return true;
}

HttpResponse JsonResponse(int status, const Json& body) {
  return HttpResponse{status, "application/json", DumpJson(body), {}};
}

HttpResponse ErrorResponse(int status, const std::string& error, const std::string& message) {
  return JsonResponse(status, Json{{"error", error}, {"message", message}});
}

void WithExecution(ApiContext& context, const std::string& id_or_name, HttpResponder respond,
                   std::function<void(const ExecutionRecord&, HttpResponder)> then) {
  context.runtime.Post([&context, id_or_name, respond, then] {
    auto record = context.runtime.store().GetExecution(id_or_name);
    if (!record) return respond(ErrorResponse(503, "StoreUnavailable", record.error().cause));
    if (!*record) {
      return respond(
          ErrorResponse(404, "ExecutionDoesNotExist", "no execution '" + id_or_name + "'"));
    }
    then(**record, respond);
  });
}

}  // namespace hpcflow::orchestrator
