#include "orchestrator/server/api_server.h"

#include <openssl/crypto.h>

#include <cstdlib>

#include "orchestrator/server/api_operations.h"

namespace hpcflow::orchestrator {

namespace {

bool Authorized(const HttpRequest& request, const std::string& secret) {
  auto it = request.headers.find("authorization");
  if (it == request.headers.end() || secret.empty()) return false;
  const std::string expected = "Bearer " + secret;
  return it->second.size() == expected.size() &&
         CRYPTO_memcmp(it->second.data(), expected.data(), expected.size()) == 0;
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

// Routes a request through ApiRoutes(): 404 for a path no route has, 405 for
// a method the path does not take, 401 for the control API without its key
// (checked first, so that nothing about executions is told to others).
class Router {
 public:
  Router(DurableRuntime& runtime, std::string control_secret, std::string state_dir)
      : context_{runtime, std::move(control_secret), std::move(state_dir)} {}

  void Handle(HttpRequest request, HttpResponder respond) {
    // Split the path as sent, then decode each segment.
    std::vector<std::string> parts =
        PathSegments(request.target.substr(0, request.target.find('?')));
    if (parts.size() >= 2 && parts[0] == "v1" && parts[1] == "executions" &&
        !Authorized(request, context_.control_secret)) {
      return respond(ErrorResponse(
          401, "Unauthorized",
          "the control API needs 'Authorization: Bearer <the state directory's control.key>'"));
    }
    std::string methods;
    for (const ApiRoute& route : ApiRoutes()) {
      if (!PathMatches(route, parts)) continue;
      if (request.method == route.method) {
        return route.handler(context_, request, parts, std::move(respond));
      }
      methods += methods.empty() ? route.method : std::string(" or ") + route.method;
    }
    if (!methods.empty()) {
      return respond(ErrorResponse(405, "MethodNotAllowed", request.path + " takes " + methods));
    }
    respond(ErrorResponse(404, "NotFound", "no route " + request.method + " " + request.path));
  }

 private:
  ApiContext context_;
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
