// A deliberately dumb HTTP client on raw sockets, for testing the server
// with requests no well-behaved client library would send (half-sent,
// malformed, oversized, thousands at once).
#ifndef HPCFLOW_TESTS_UNIT_ORCHESTRATOR_RAW_HTTP_CLIENT_H_
#define HPCFLOW_TESTS_UNIT_ORCHESTRATOR_RAW_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace hpcflow::orchestrator::testing {

struct RawResponse {
  int status = 0;  // 0: the connection closed (or timed out) before a response
  std::string head;
  std::string body;
};

inline sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = Loopback(port);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length bodies only, which is all the server sends).
  RawResponse Read(int timeout_ms = 5000) {
    RawResponse response;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buffer_.substr(0, end);
        size_t length = 0;
        size_t at = Lower(head).find("\r\ncontent-length:");
        if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
        if (buffer_.size() >= end + 4 + length) {
          response.head = head;
          response.status = std::atoi(head.c_str() + 9);
          response.body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return response;
        }
      }
      if (!Fill(deadline)) return response;
    }
  }

  // True when the server closes the connection within timeout_ms (data that
  // arrives meanwhile is kept for Read).
  bool WaitClosed(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Fill(deadline)) {
    }
    return closed_;
  }

 private:
  static std::string Lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }

  // Appends what arrives before the deadline; false on close, error or timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0 || closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      closed_ = true;  // orderly close, or a reset
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;
};

inline std::string PostRequest(const std::string& path, const std::string& body,
                               const std::string& content_type = "application/json",
                               const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

}  // namespace hpcflow::orchestrator::testing

#endif  // HPCFLOW_TESTS_UNIT_ORCHESTRATOR_RAW_HTTP_CLIENT_H_
