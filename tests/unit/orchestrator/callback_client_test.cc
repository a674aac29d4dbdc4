// SendWithRetry against a real HttpServer over loopback.
#include "orchestrator/client/callback_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "orchestrator/server/http_server.h"

namespace hpcflow::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A loopback port nothing listens on (bound, then released).
uint16_t ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

RetryPolicy Fast(int64_t give_up_ms) {
  RetryPolicy policy;
  policy.give_up_after_ms = give_up_ms;
  policy.initial_backoff_ms = 20;
  policy.max_backoff_ms = 200;
  return policy;
}

TEST(CallbackClient, PostsJsonAndReturnsTheReply) {
  std::mutex mutex;
  HttpRequest seen;
  auto server = HttpServer::Start({}, [&](HttpRequest request, HttpResponder respond) {
    {
      std::lock_guard lock(mutex);
      seen = request;
    }
    respond(HttpResponse{200, "application/json", R"({"ok":true})", {}});
  });
  ASSERT_TRUE(server) << server.error().cause;
  std::string url = (*server)->url();
  auto reply = SendWithRetry([&] { return url + "/"; }, "POST", "/v1/tasks/success",
                             R"({"token":"t","output":1})", {{"X-Extra", "1"}}, Fast(5000));
  ASSERT_TRUE(reply) << reply.error().cause;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, R"({"ok":true})");
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.path, "/v1/tasks/success");
    EXPECT_EQ(seen.body, R"({"token":"t","output":1})");
    EXPECT_EQ(seen.headers["content-type"], "application/json");
    EXPECT_EQ(seen.headers["x-extra"], "1");
  }

  auto get = SendWithRetry([&] { return url; }, "GET", "/v1/ping", "", {}, Fast(5000));
  ASSERT_TRUE(get) << get.error().cause;
  EXPECT_EQ(get->status, 200);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.body, "");
}

TEST(CallbackClient, RetriesUntilAServerAppearsAtTheProvidedUrl) {
  std::mutex mutex;
  std::string current;  // no URL at first, then a dead port, then the server
  std::atomic<int> asked{0};
  std::unique_ptr<HttpServer> server;
  std::thread starter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    {
      std::lock_guard lock(mutex);
      current = "http://127.0.0.1:" + std::to_string(ClosedPort());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto started = HttpServer::Start({}, [](HttpRequest request, HttpResponder respond) {
      respond(HttpResponse{200, "application/json", request.body, {}});
    });
    ASSERT_TRUE(started);
    std::lock_guard lock(mutex);
    server = std::move(*started);
    current = server->url();
  });
  auto start = Clock::now();
  auto reply = SendWithRetry(
      [&] {
        ++asked;
        std::lock_guard lock(mutex);
        return current;
      },
      "POST", "/v1/tasks/heartbeat", R"({"token":"t"})", {}, Fast(10000));
  starter.join();
  ASSERT_TRUE(reply) << reply.error().cause;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, R"({"token":"t"})");
  EXPECT_GE(MsSince(start), 550);
  EXPECT_GT(asked.load(), 3);  // asked again before every attempt
}

TEST(CallbackClient, GivesUpAfterTheConfiguredTimeWithAClearError) {
  std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort());
  std::atomic<int> asked{0};
  auto start = Clock::now();
  auto reply = SendWithRetry(
      [&] {
        ++asked;
        return url;
      },
      "POST", "/v1/tasks/success", "{}", {}, Fast(700));
  int64_t elapsed = MsSince(start);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().name, kUnreachableError);
  const std::string& cause = reply.error().cause;
  EXPECT_NE(cause.find("gave up after"), std::string::npos) << cause;
  EXPECT_NE(cause.find("POST " + url + "/v1/tasks/success"), std::string::npos) << cause;
  EXPECT_NE(cause.find(std::to_string(asked.load()) + " attempt(s)"), std::string::npos) << cause;
  EXPECT_NE(cause.find("onnect"), std::string::npos) << cause;  // "Couldn't connect ..."
  EXPECT_GE(elapsed, 650);
  EXPECT_LT(elapsed, 3000);
  EXPECT_GT(asked.load(), 2);

  auto no_url =
      SendWithRetry([] { return std::string(); }, "POST", "/v1/tasks/success", "{}", {}, Fast(200));
  ASSERT_FALSE(no_url);
  EXPECT_NE(no_url.error().cause.find("no server URL"), std::string::npos) << no_url.error().cause;
}

TEST(CallbackClient, ClientErrorsAreReturnedNotRetried) {
  std::atomic<int> calls{0};
  auto server = HttpServer::Start({}, [&](HttpRequest, HttpResponder respond) {
    ++calls;
    respond(JsonErrorResponse(409, "hpcflow.TaskAlreadyEnded", "too late"));
  });
  ASSERT_TRUE(server);
  std::string url = (*server)->url();
  auto reply =
      SendWithRetry([&] { return url; }, "POST", "/v1/tasks/success", "{}", {}, Fast(5000));
  ASSERT_TRUE(reply) << reply.error().cause;
  EXPECT_EQ(reply->status, 409);
  EXPECT_NE(reply->body.find("too late"), std::string::npos);
  EXPECT_EQ(calls.load(), 1);
}

TEST(CallbackClient, RetriesServerUnavailable) {
  std::atomic<int> calls{0};
  auto server = HttpServer::Start({}, [&](HttpRequest, HttpResponder respond) {
    int call = ++calls;
    if (call == 1) return respond(JsonErrorResponse(503, "hpcflow.Busy", "later"));
    if (call == 2) return respond(JsonErrorResponse(502, "x", "bad gateway"));
    respond(HttpResponse{});
  });
  ASSERT_TRUE(server);
  std::string url = (*server)->url();
  auto reply =
      SendWithRetry([&] { return url; }, "POST", "/v1/tasks/success", "{}", {}, Fast(5000));
  ASSERT_TRUE(reply) << reply.error().cause;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(calls.load(), 3);

  // 503 for ever: gives up, saying so.
  auto always = HttpServer::Start({}, [](HttpRequest, HttpResponder respond) {
    respond(JsonErrorResponse(503, "hpcflow.Busy", "later"));
  });
  ASSERT_TRUE(always);
  std::string busy = (*always)->url();
  auto gave_up = SendWithRetry([&] { return busy; }, "POST", "/x", "{}", {}, Fast(300));
  ASSERT_FALSE(gave_up);
  EXPECT_NE(gave_up.error().cause.find("answered 503"), std::string::npos) << gave_up.error().cause;
}

TEST(CallbackClient, UnusableUrlFailsAtOnce) {
  auto start = Clock::now();
  auto reply = SendWithRetry([] { return std::string("ftp://127.0.0.1:1"); }, "POST", "/x", "{}",
                             {}, Fast(5000));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().name, "usage");
  EXPECT_LT(MsSince(start), 1000);
}

}  // namespace
}  // namespace hpcflow::orchestrator
