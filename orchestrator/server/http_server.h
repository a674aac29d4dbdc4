// A small HTTP/1.1 server for the callback and control APIs (DESIGN.md §4.4,
// §7 "Load": thousands of concurrent callbacks accepted, none lost).
//
// It owns the sockets and the protocol; what a request means is the
// handler's business. The server
//  - answers malformed requests with 400, oversized bodies with 413 (without
//    buffering them), POST/PUT bodies that are not application/json with 415,
//    and closes the connection after each of those;
//  - closes connections whose request stalls half-sent (headers or body) or
//    that stay idle between keep-alive requests for read_timeout_ms;
//  - never lets one client block another (asynchronous I/O, one strand per
//    connection) and never throws out of its threads.
#ifndef HPCFLOW_ORCHESTRATOR_SERVER_HTTP_SERVER_H_
#define HPCFLOW_ORCHESTRATOR_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hpcflow::orchestrator {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/v1/tasks/success?x=1"
  std::string path;    // percent-decoded, without the query: "/v1/tasks/success"
  std::map<std::string, std::string> query;    // decoded; the last of repeated keys wins
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  std::string body;
  std::string remote_address;  // "127.0.0.1:53422"
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Retry-After
};

// Sends the response. Call it exactly once, from any thread, during or after
// the handler (later calls are ignored). If every copy is dropped without a
// call, the client gets a 500 rather than a hung connection.
using HttpResponder = std::function<void(HttpResponse)>;

// Called on an IO thread for each complete request. It must not block: long
// work goes elsewhere and answers through the responder. Exceptions it throws
// become a 500.
using HttpHandler = std::function<void(HttpRequest, HttpResponder)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: an ephemeral port, see HttpServer::port()
  size_t max_body_bytes = 8 << 20;
  int read_timeout_ms = 10000;  // per request part (headers, body) and for idle keep-alive
  int io_threads = 1;
  size_t max_connections = 20000;  // beyond this, new connections get a 503 and are closed
  // Where the server reports trouble that has no client to tell (accept
  // failures such as running out of file descriptors, handler exceptions).
  // May be called from IO threads. Empty: not reported.
  std::function<void(const std::string&)> log;
};

// {"error": error, "message": message} with `status`.
HttpResponse JsonErrorResponse(int status, const std::string& error, const std::string& message);

class HttpServer {
 public:
  // Binds, listens and starts the IO threads. Also raises this process's
  // soft RLIMIT_NOFILE to its hard limit, since each connection is a file
  // descriptor. Errors (name "http"): an invalid address, or an address/port
  // that cannot be bound (in use, not local, no permission).
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, HttpHandler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // Stop()

  uint16_t port() const;
  // "http://127.0.0.1:41234". For a wildcard address (0.0.0.0, ::) the host
  // name, so that compute nodes can reach it.
  std::string url() const;

  // Stops accepting, closes every connection and joins the IO threads.
  // Responders called afterwards do nothing. Idempotent; must not be called
  // from the handler (it joins the thread the handler runs on).
  void Stop();

  struct Core;

 private:
  explicit HttpServer(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_SERVER_HTTP_SERVER_H_
