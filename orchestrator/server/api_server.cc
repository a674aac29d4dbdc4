#include "orchestrator/server/api_server.h"

#include <cctype>

#include <openssl/crypto.h>

#include "common/ids.h"
#include "orchestrator/runtime/backend_registry.h"
#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/execution_json.h"
#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

namespace {

HttpResponse JsonResponse(int status, const Json& body) {
  return HttpResponse{status, "application/json", DumpJson(body), {}};
}

HttpResponse ErrorResponse(int status, const std::string& error, const std::string& message) {
  return JsonResponse(status, Json{{"error", error}, {"message", message}});
}

bool Authorized(const HttpRequest& request, const std::string& secret) {
  auto it = request.headers.find("authorization");
  if (it == request.headers.end() || secret.empty()) return false;
  const std::string expected = "Bearer " + secret;
  return it->second.size() == expected.size() &&
         CRYPTO_memcmp(it->second.data(), expected.data(), expected.size()) == 0;
}

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

// "/v1/executions/a%20b/stop" -> {"v1", "executions", "a b", "stop"}.
std::vector<std::string> Segments(const std::string& path) {
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

// The port of the URL in `url_file`, to listen there again after a restart
// (jobs and callback clients still have it).
uint16_t PreviousPort(const std::string& url_file) {
  auto text = ReadFile(url_file);
  if (!text) return 0;
  auto colon = text->rfind(':');
  if (colon == std::string::npos) return 0;
  int port = std::atoi(text->c_str() + colon + 1);
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

class Router {
 public:
  Router(DurableRuntime& runtime, std::string control_secret, std::string state_dir)
      : runtime_(runtime),
        control_secret_(std::move(control_secret)),
        state_dir_(std::move(state_dir)) {}

  void Handle(HttpRequest request, HttpResponder respond) {
    // Split the path as sent, then decode each segment: an execution named
    // "a/b" arrives as "a%2Fb" and must stay one segment.
    std::vector<std::string> parts = Segments(request.target.substr(0, request.target.find('?')));
    if (parts.size() < 2 || parts[0] != "v1") {
      return respond(ErrorResponse(404, "NotFound", "no route " + request.path));
    }
    if (parts[1] == "tasks" || (parts[1] == "jobs" && parts.size() == 3 && parts[2] == "end")) {
      return Callback(request, parts, std::move(respond));
    }
    if (parts[1] == "executions") {
      if (!Authorized(request, control_secret_)) {
        return respond(ErrorResponse(
            401, "Unauthorized",
            "the control API needs 'Authorization: Bearer <the state directory's control.key>'"));
      }
      return Control(request, parts, std::move(respond));
    }
    respond(ErrorResponse(404, "NotFound", "no route " + request.path));
  }

 private:
  void Callback(const HttpRequest& request, const std::vector<std::string>& parts,
                HttpResponder respond) {
    if (request.method != "POST") {
      return respond(ErrorResponse(405, "MethodNotAllowed", request.path + " takes POST"));
    }
    CallbackKind kind;
    if (parts[1] == "jobs") {
      kind = CallbackKind::kJobEnd;
    } else if (parts.size() == 3 && parts[2] == "success") {
      kind = CallbackKind::kSuccess;
    } else if (parts.size() == 3 && parts[2] == "failure") {
      kind = CallbackKind::kFailure;
    } else if (parts.size() == 3 && parts[2] == "heartbeat") {
      kind = CallbackKind::kHeartbeat;
    } else {
      return respond(ErrorResponse(404, "NotFound", "no route " + request.path));
    }
    auto parsed = ParseCallbackRequest(kind, request.body);
    if (!parsed) return respond(ErrorResponse(400, parsed.error().name, parsed.error().cause));
    runtime_.PostCallback(std::move(*parsed), [respond](CallbackReply reply) {
      respond(JsonResponse(reply.http_status, reply.body));
    });
  }

  void Control(const HttpRequest& request, const std::vector<std::string>& parts,
               HttpResponder respond) {
    if (parts.size() == 2 && request.method == "POST") return Start(request, std::move(respond));
    if (parts.size() == 2 && request.method == "GET") return List(request, std::move(respond));
    if (parts.size() == 3 && request.method == "GET") {
      return Describe(parts[2], std::move(respond));
    }
    if (parts.size() == 4 && parts[3] == "history" && request.method == "GET") {
      return History(parts[2], std::move(respond));
    }
    if (parts.size() == 4 && parts[3] == "stop" && request.method == "POST") {
      return Stop(parts[2], request, std::move(respond));
    }
    respond(ErrorResponse(404, "NotFound", "no route " + request.method + " " + request.path));
  }

  void Start(const HttpRequest& request, HttpResponder respond) {
    auto body = ParseJson(request.body);
    if (!body || !body->is_object()) {
      return respond(ErrorResponse(400, "InvalidRequest", "the body must be a JSON object"));
    }
    ExecutionRecord record;
    // The client may choose the id, so that a submission it retries (its
    // answer was lost) starts one execution, not two.
    record.id = body->value("id", std::string());
    if (record.id.empty()) record.id = NewUuid();
    if (record.id.size() > 128 || record.id.find_first_of("/\\ \t\n") != std::string::npos) {
      return respond(ErrorResponse(400, "InvalidRequest",
                                   "an execution id is at most 128 characters, without "
                                   "slashes or spaces"));
    }
    record.workflow = body->value("workflow", std::string());
    record.definition = body->value("definition", std::string());
    std::string name = body->value("name", std::string());
    record.name = name.empty() ? record.id : name;
    record.backend = body->value("backend", std::string("local"));
    record.express = body->value("express", false);
    record.payload_limit = body->value("payload_limit", int64_t{0});
    record.workdir = body->value("workdir", std::string());
    record.input = DumpJson(body->contains("input") ? (*body)["input"] : Json::object());
    record.status = "PENDING";
    record.created_ms = NowMs();
    record.seed = static_cast<int64_t>(RandomSeed() >> 1);
    if (!BackendRegistry::IsKnown(record.backend)) {
      return respond(ErrorResponse(
          400, "InvalidRequest",
          "unknown backend '" + record.backend + "' (" + BackendRegistry::KnownNames() + ")"));
    }
    std::vector<std::string> problems;
    if (!LoadWorkflowText(record.definition, record.workflow, problems)) {
      std::string text;
      for (const auto& p : problems) text += p + "\n";
      return respond(ErrorResponse(400, "InvalidDefinition", text));
    }
    runtime_.Post([this, record = std::move(record), name, respond]() mutable {
      auto same = runtime_.store().GetExecution(record.id);
      if (same && *same && (*same)->id == record.id) {
        // A retried submission: it was started the first time.
        return respond(JsonResponse(
            200, Json{{"executionId", record.id}, {"name", (*same)->name}, {"existing", true}}));
      }
      if (!name.empty()) {
        auto existing = runtime_.store().GetExecution(name);
        if (existing && *existing) {
          return respond(ErrorResponse(409, "ExecutionAlreadyExists",
                                       "an execution named '" + name + "' already exists"));
        }
      }
      if (auto s = runtime_.CreateExecution(record); !s) {
        return respond(ErrorResponse(503, "StoreUnavailable", s.error().cause));
      }
      // Answer once it is recorded; starting it (a Map of a million items)
      // is the loop's next piece of work.
      respond(JsonResponse(201, Json{{"executionId", record.id}, {"name", record.name}}));
      runtime_.Post([this, record] { runtime_.LoadCreated(record); });
    });
  }

  void List(const HttpRequest& request, HttpResponder respond) {
    std::string status;
    int limit = 100;
    if (auto it = request.query.find("status"); it != request.query.end()) status = it->second;
    if (auto it = request.query.find("limit"); it != request.query.end()) {
      limit = std::max(1, std::min(100000, std::atoi(it->second.c_str())));
    }
    runtime_.Post([this, status, limit, respond] {
      auto records = runtime_.store().ListExecutions(status, limit);
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

  // Runs `then` on the loop with the execution named `id`, or answers 404.
  void WithExecution(const std::string& id, HttpResponder respond,
                     std::function<void(const ExecutionRecord&, HttpResponder)> then) {
    runtime_.Post([this, id, respond, then] {
      auto record = runtime_.store().GetExecution(id);
      if (!record) return respond(ErrorResponse(503, "StoreUnavailable", record.error().cause));
      if (!*record)
        return respond(ErrorResponse(404, "ExecutionDoesNotExist", "no execution '" + id + "'"));
      then(**record, respond);
    });
  }

  void Describe(const std::string& id, HttpResponder respond) {
    WithExecution(id, std::move(respond), [this](const ExecutionRecord& r, HttpResponder done) {
      Json out = StatusJson(r);
      // The server's own queries (reconciliation) serve every execution.
      out["serverBackendCommands"] = runtime_.BackendCommandCounts();
      done(JsonResponse(200, out));
    });
  }

  void History(const std::string& id, HttpResponder respond) {
    WithExecution(id, std::move(respond), [this](const ExecutionRecord& r, HttpResponder done) {
      auto events = runtime_.store().History(r);
      if (!events) return done(ErrorResponse(503, "StoreUnavailable", events.error().cause));
      done(JsonResponse(200, HistoryJson(*events)));
    });
  }

  void Stop(const std::string& id, const HttpRequest& request, HttpResponder respond) {
    auto body = ParseJson(request.body.empty() ? "{}" : request.body);
    Json p = body && body->is_object() ? *body : Json::object();
    workflows::AslError error{p.value("error", std::string("States.Aborted")),
                              p.value("cause", std::string("stopped by the user"))};
    WithExecution(id, std::move(respond),
                  [this, error](const ExecutionRecord& r, HttpResponder done) {
                    if (IsFinalStatus(r.status)) {
                      Json out = StatusJson(r);
                      out["alreadyEnded"] = true;
                      return done(JsonResponse(200, out));
                    }
                    Status s;
                    bool run_owned = r.owner.rfind("run:", 0) == 0;
                    if (run_owned && IsOwnerAlive(state_dir_, r.owner)) {
                      // An `hpcflow run` process runs it: leave it a request.
                      s = runtime_.store().AddRequest(r.id, "stop", DumpJson(ErrorPayload(error)));
                    } else {
                      // Ours, or its `run` is gone: then take it over first.
                      if (run_owned) s = runtime_.AdoptExecution(r);
                      if (s) s = runtime_.StopExecution(r.id, error);
                    }
                    if (!s) return done(ErrorResponse(503, "StoreUnavailable", s.error().cause));
                    auto now = runtime_.store().GetExecution(r.id);
                    done(JsonResponse(200, now && *now ? StatusJson(**now) : StatusJson(r)));
                  });
  }

  DurableRuntime& runtime_;
  std::string control_secret_;
  std::string state_dir_;
};

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options,
                                                    DurableRuntime& runtime) {
  auto router = std::make_shared<Router>(runtime, options.control_secret, options.state_dir);
  HttpHandler handler = [router](HttpRequest request, HttpResponder respond) {
    router->Handle(std::move(request), std::move(respond));
  };
  HttpServerOptions http;
  http.address = options.address;
  http.port = options.port;
  if (http.port == 0 && !options.url_file.empty()) http.port = PreviousPort(options.url_file);
  auto server = HttpServer::Start(http, handler);
  if (!server && http.port != options.port) {
    http.port = options.port;  // the old port is taken: any will do
    server = HttpServer::Start(http, handler);
  }
  if (!server) return Fail(server.error());
  std::unique_ptr<ApiServer> api(new ApiServer());
  api->url_ = (*server)->url();  // a wildcard address gives the host's name
  api->http_ = std::move(*server);
  if (!options.url_file.empty()) (void)WriteFileAtomically(options.url_file, api->url_ + "\n");
  return api;
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Stop() {
  if (http_) http_->Stop();
}

}  // namespace hpcflow::orchestrator
