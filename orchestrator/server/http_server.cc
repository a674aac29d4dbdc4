#include "orchestrator/server/http_server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/json.h"

namespace hpcflow::orchestrator {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

class Connection;

// Large enough to take a burst of thousands of simultaneous connects; the
// kernel clamps it to net.core.somaxconn.
constexpr int kListenBacklog = 65535;
constexpr size_t kMaxHeaderBytes = 16 * 1024;
// After an error response the client may still be sending a body we will not
// read. Closing with unread data makes the kernel send a reset, which can
// destroy the response before the client reads it, so we read and discard
// for a while first (a "lingering close"), within these bounds.
constexpr int kLingerMs = 2000;
constexpr size_t kLingerMaxBytes = 64 << 20;

void RaiseFileLimit() {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Boost 1.74's Beast has its own string_view.
std::string_view Sv(beast::string_view text) { return {text.data(), text.size()}; }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    out[std::move(key)] = std::move(value);
  }
  return out;
}

// "application/json; charset=utf-8" → true.
bool IsJsonContentType(std::string_view value) {
  std::string type = Lower(value.substr(0, value.find(';')));
  auto not_space = [](char c) { return c != ' ' && c != '\t'; };
  type.erase(type.begin(), std::find_if(type.begin(), type.end(), not_space));
  type.erase(std::find_if(type.rbegin(), type.rend(), not_space).base(), type.end());
  return type == "application/json";
}

bool IsHttpProtocolError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

}  // namespace

// Shared by the server object, its IO threads and every connection: it owns
// the io_context, so it lives until the last connection (which responders may
// hold after Stop) is gone.
struct HttpServer::Core {
  HttpServerOptions options;
  HttpHandler handler;
  net::io_context ioc;
  tcp::acceptor acceptor;          // on its own strand
  net::steady_timer accept_timer;  // backoff when accept fails (out of descriptors)
  uint16_t port = 0;

  std::mutex mutex;
  bool stopping = false;  // once set, nothing new is posted to ioc
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections;

  std::vector<std::thread> threads;
  std::mutex threads_mutex;
  std::condition_variable threads_done;
  int running_threads = 0;

  Core(HttpServerOptions opts, HttpHandler h, int threads_hint)
      : options(std::move(opts)),
        handler(std::move(h)),
        ioc(threads_hint),
        acceptor(net::make_strand(ioc)),
        accept_timer(acceptor.get_executor()) {}

  void Log(const std::string& message) {
    if (!options.log) return;
    try {
      options.log(message);
    } catch (...) {  // a failing logger must not take the server down
    }
  }

  // Posts `fn` to `executor` unless the server is stopping. Stop() relies on
  // this: once it has set `stopping`, the IO threads run out of work and
  // return, and no handler is left queued that would keep a connection alive.
  template <typename Executor, typename Fn>
  bool PostUnlessStopping(const Executor& executor, Fn&& fn) {
    std::lock_guard lock(mutex);
    if (stopping) return false;
    net::post(executor, std::forward<Fn>(fn));
    return true;
  }

  void Accept(const std::shared_ptr<Core>& self);
  void OnAccept(const std::shared_ptr<Core>& self, beast::error_code ec, tcp::socket socket);
  void RunThread();
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<HttpServer::Core> core, tcp::socket socket, uint64_t id)
      : core_(std::move(core)), stream_(std::move(socket)), id_(id) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    }
    // Callbacks are small request/response pairs: Nagle's algorithm would
    // add delayed-ACK latency to each one.
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Connection() {
    std::lock_guard lock(core_->mutex);
    core_->connections.erase(id_);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // From any thread.
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->DoClose(); });
  }

  // From any thread: queues the response on this connection's strand.
  void Respond(HttpResponse response, bool keep_alive) {
    core_->PostUnlessStopping(
        stream_.get_executor(),
        [self = shared_from_this(), response = std::move(response), keep_alive]() mutable {
          self->Write(std::move(response), keep_alive);
        });
  }

 private:
  void ReadHeader() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(core_->options.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(core_->options.read_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    auto method = header.method();
    if (has_body && (method == http::verb::post || method == http::verb::put)) {
      auto type = header.find(http::field::content_type);
      if (type == header.end() || !IsJsonContentType(Sv(type->value()))) {
        return SendError(415, "hpcflow.UnsupportedMediaType",
                         "the request body must be JSON (Content-Type: application/json)");
      }
    }
    if (!has_body) return OnBody({});
    auto expect = header.find(http::field::expect);
    if (expect != header.end() && beast::iequals(expect->value(), "100-continue")) {
      // The client waits for this before sending its body.
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                        header.version());
      stream_.expires_after(std::chrono::milliseconds(core_->options.read_timeout_ms));
      http::async_write(stream_, *interim,
                        [self = shared_from_this(), interim](beast::error_code ec, size_t) {
                          if (ec) return self->DoClose();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(std::chrono::milliseconds(core_->options.read_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->OnBody({});
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return SendError(413, "hpcflow.PayloadTooLarge",
                       "the request body is larger than " +
                           std::to_string(core_->options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return SendError(
          431, "hpcflow.HeadersTooLarge",
          "the request headers are larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
    // A clean close between requests, a timeout, a reset, a half-sent
    // request: there is nobody to answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        !IsHttpProtocolError(ec)) {
      return DoClose();
    }
    SendError(400, "hpcflow.BadRequest", "malformed HTTP request: " + ec.message());
  }

  void OnBody(beast::error_code) {
    stream_.expires_never();  // the handler may take its time
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    std::string_view target = Sv(message.target());
    size_t question = target.find('?');
    request.path = PercentDecode(target.substr(0, question), false);
    if (question != std::string_view::npos) request.query = ParseQuery(target.substr(question + 1));
    for (const auto& field : message) {
      std::string name = Lower(Sv(field.name_string()));
      auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    bool keep_alive = parser_->keep_alive();
    parser_.reset();
    Dispatch(std::move(request), keep_alive);
  }

  // Makes sure the client gets exactly one answer whatever the handler does:
  // the first responder call wins, and a responder dropped uncalled answers 500.
  struct Pending {
    std::shared_ptr<Connection> connection;
    bool keep_alive;
    std::atomic<bool> done{false};
    void Answer(HttpResponse response) {
      if (done.exchange(true)) return;
      connection->Respond(std::move(response), keep_alive);
    }
    ~Pending() {
      if (!done.load()) {
        Answer(JsonErrorResponse(500, "hpcflow.Internal", "the request was dropped unanswered"));
      }
    }
  };

  void Dispatch(HttpRequest request, bool keep_alive) {
    auto pending = std::make_shared<Pending>();
    pending->connection = shared_from_this();
    pending->keep_alive = keep_alive;
    HttpResponder responder = [pending](HttpResponse response) {
      pending->Answer(std::move(response));
    };
    try {
      core_->handler(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      core_->Log(std::string("http handler threw: ") + e.what());
      pending->Answer(JsonErrorResponse(500, "hpcflow.Internal", "internal error"));
    } catch (...) {
      core_->Log("http handler threw an unknown exception");
      pending->Answer(JsonErrorResponse(500, "hpcflow.Internal", "internal error"));
    }
  }

  void Write(HttpResponse response, bool keep_alive) {
    if (closed_) return;
    response_ = {};
    int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
    response_.result(static_cast<unsigned>(status));
    response_.version(11);
    response_.set(http::field::server, "hpcflow");
    if (!response.content_type.empty()) {
      response_.set(http::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) response_.set(name, value);
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    // A client that does not read its response must not hold us forever.
    stream_.expires_after(std::chrono::milliseconds(core_->options.read_timeout_ms));
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        if (ec) return self->DoClose();
                        if (!keep_alive) return self->LingerClose();
                        self->ReadHeader();
                      });
  }

  // Answers a request we will not process and closes the connection.
  void SendError(int status, const std::string& error, const std::string& message) {
    parser_.reset();
    Write(JsonErrorResponse(status, error, message), false);
  }

  void LingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return DoClose();
    scratch_ = std::make_unique<char[]>(kScratchBytes);
    stream_.expires_after(
        std::chrono::milliseconds(std::min(kLingerMs, core_->options.read_timeout_ms)));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(scratch_.get(), kScratchBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerMaxBytes) return self->DoClose();
                              self->Drain();
                            });
  }

  void DoClose() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  static constexpr size_t kScratchBytes = 16 * 1024;

  std::shared_ptr<HttpServer::Core> core_;  // first member: the stream needs its io_context
  beast::tcp_stream stream_;
  uint64_t id_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;  // alive while it is written
  std::unique_ptr<char[]> scratch_;
  size_t drained_ = 0;
  bool closed_ = false;
};

}  // namespace

void HttpServer::Core::Accept(const std::shared_ptr<Core>& self) {
  acceptor.async_accept(net::make_strand(ioc), [self](beast::error_code ec, tcp::socket socket) {
    self->OnAccept(self, ec, std::move(socket));
  });
}

void HttpServer::Core::OnAccept(const std::shared_ptr<Core>& self, beast::error_code ec,
                                tcp::socket socket) {
  // Both run on the acceptor's strand, so is_open() sees Stop()'s close.
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory || ec.value() == ENFILE) {
      // Retrying at once would spin: wait for connections to finish. The
      // pending connects stay in the listen backlog meanwhile.
      Log("http server: cannot accept connections: " + ec.message() + " (retrying)");
      accept_timer.expires_after(std::chrono::milliseconds(50));
      accept_timer.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec) self->Accept(self);
      });
      return;
    }
    return Accept(self);  // the client gave up (ECONNABORTED and the like)
  }
  std::shared_ptr<Connection> connection;
  {
    // Checked under the same lock as the registration, so that Stop() sees
    // (and closes) every connection that starts.
    std::lock_guard lock(mutex);
    if (stopping) return;
    if (connections.size() < options.max_connections) {
      uint64_t id = next_id++;
      connection = std::make_shared<Connection>(self, std::move(socket), id);
      connections.emplace(id, connection);
    }
  }
  if (connection) {
    connection->Start();
  } else {
    // Over the limit: tell the client to come back (the callback client
    // retries 503) without waiting on it; the socket is closed on return.
    static constexpr char kBusy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nRetry-After: 1\r\nContent-Length: 65\r\n\r\n"
        "{\"error\":\"hpcflow.Busy\",\"message\":\"too many open connections\"}";
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(kBusy, sizeof(kBusy) - 1), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }
  Accept(self);
}

void HttpServer::Core::RunThread() {
  // Handlers catch their own exceptions; this is the last line of defence so
  // that a bug costs one request, not the server.
  while (true) {
    try {
      ioc.run();
      break;
    } catch (const std::exception& e) {
      Log(std::string("http server: unexpected exception: ") + e.what());
    } catch (...) {
      Log("http server: unexpected exception");
    }
  }
  std::lock_guard lock(threads_mutex);
  --running_threads;
  threads_done.notify_all();
}

HttpResponse JsonErrorResponse(int status, const std::string& error, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = DumpJson(Json{{"error", error}, {"message", message}});
  return response;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      HttpHandler handler) {
  if (!handler) return Fail("http", "no request handler");
  RaiseFileLimit();
  int threads = std::max(1, options.io_threads);
  if (options.read_timeout_ms <= 0) options.read_timeout_ms = 10000;
  beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return Fail("http", "invalid listen address '" + options.address + "'");
  std::string where = options.address + ":" + std::to_string(options.port);
  auto core = std::make_shared<Core>(std::move(options), std::move(handler), threads);
  tcp::endpoint endpoint(address, core->options.port);
  auto fail = [&](const char* what) {
    return Fail("http", std::string("cannot ") + what + " " + where + ": " + ec.message());
  };
  core->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  // A restarted server can take its old port back while connections of the
  // previous one linger in TIME_WAIT.
  core->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure a socket for");
  core->acceptor.bind(endpoint, ec);
  if (ec) return fail("listen on");
  core->acceptor.listen(kListenBacklog, ec);
  if (ec) return fail("listen on");
  core->port = core->acceptor.local_endpoint(ec).port();
  if (ec) return fail("listen on");

  core->Accept(core);
  core->running_threads = threads;
  for (int i = 0; i < threads; ++i) {
    core->threads.emplace_back([c = core.get()] { c->RunThread(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(core)));
}

HttpServer::HttpServer(std::shared_ptr<Core> core) : core_(std::move(core)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return core_->port; }

std::string HttpServer::url() const {
  beast::error_code ec;
  auto address = net::ip::make_address(core_->options.address, ec);
  std::string host = core_->options.address;
  if (!ec && address.is_unspecified()) {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) == 0 && name[0]) host = name;
  } else if (!ec && address.is_v6()) {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(core_->port);
}

void HttpServer::Stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(core_->mutex);
    if (core_->stopping) return;
    core_->stopping = true;
    for (auto& [id, weak] : core_->connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  Core* core = core_.get();
  // Connections first: the acceptor's pending accept keeps the IO threads
  // running until they have run every close queued before it. Closed the
  // other way round, a thread could run out of work (the accept aborted)
  // and return before a connection's close was queued, leaving that
  // client connected (seen on a loaded machine).
  for (auto& connection : open) connection->Close();
  open.clear();
  net::post(core->acceptor.get_executor(), [core] {
    beast::error_code ignored;
    core->acceptor.close(ignored);
    core->accept_timer.cancel();
  });
  // With the acceptor and every socket closed the IO threads run out of
  // work and return. Should anything still be pending after a grace period,
  // stop the io_context outright rather than hang the caller.
  {
    std::unique_lock lock(core->threads_mutex);
    if (!core->threads_done.wait_for(lock, std::chrono::seconds(5),
                                     [core] { return core->running_threads == 0; })) {
      core->ioc.stop();
    }
  }
  for (auto& thread : core->threads) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace hpcflow::orchestrator
