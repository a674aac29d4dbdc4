#include "orchestrator/client/callback_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace hpcflow::orchestrator {

namespace {

using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe itself; call_once makes it so for us.
bool InitCurl() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  // Replies are small JSON documents; refuse a runaway one rather than
  // filling memory (curl then fails the transfer with a write error).
  if (out->size() + size * count > (16u << 20)) return 0;
  out->append(data, size * count);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// One attempt: the reply, or why the server could not be reached.
struct Attempt {
  bool reached = false;
  bool permanent = false;  // a failure retrying cannot fix
  HttpReply reply;
  std::string failure;
};

Attempt SendOnce(CURL* curl, const std::string& url, const std::string& method,
                 const std::string& body, curl_slist* headers, int64_t timeout_ms,
                 int connect_timeout_ms) {
  Attempt attempt;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  // Threads of a multithreaded caller must not receive SIGALRM/SIGPIPE.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout_ms, 1)));
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::max<int64_t>(std::min<int64_t>(connect_timeout_ms, timeout_ms), 1)));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &attempt.reply.body);
  if (method == "POST" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    attempt.failure = error[0] ? error : curl_easy_strerror(code);
    attempt.permanent = code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
    return attempt;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  attempt.reached = true;
  attempt.reply.status = static_cast<int>(status);
  return attempt;
}

std::string Seconds(Clock::duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

}  // namespace

Result<HttpReply> SendWithRetry(const std::function<std::string()>& url_provider,
                                const std::string& method, const std::string& path,
                                const std::string& body,
                                const std::map<std::string, std::string>& headers,
                                const RetryPolicy& policy) {
  if (!InitCurl()) return Fail(kUnreachableError, "cannot initialise libcurl");
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Fail(kUnreachableError, "cannot initialise libcurl");

  curl_slist* list = nullptr;
  if (!body.empty()) list = curl_slist_append(list, "Content-Type: application/json");
  // No "Expect: 100-continue" round trip for larger bodies: our server
  // answers at once, and the round trip only adds latency.
  list = curl_slist_append(list, "Expect:");
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> header_list(list);

  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::milliseconds(std::max<int64_t>(0, policy.give_up_after_ms));
  std::mt19937_64 random(std::random_device{}());
  int64_t backoff_ms = std::max(1, policy.initial_backoff_ms);
  int attempts = 0;
  bool final_attempt = false;
  std::string last_url;
  std::string last_failure;
  while (true) {
    ++attempts;
    std::string base;
    bool provider_failed = false;
    try {
      base = url_provider ? url_provider() : std::string();
    } catch (const std::exception& e) {
      provider_failed = true;
      last_failure = std::string("cannot find the server's URL: ") + e.what();
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.empty()) {
      last_url = base;
      auto remaining =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      int64_t timeout_ms =
          std::min<int64_t>(policy.request_timeout_ms, std::max<int64_t>(remaining.count(), 1000));
      Attempt attempt = SendOnce(curl.get(), base + path, method, body, header_list.get(),
                                 timeout_ms, policy.connect_timeout_ms);
      if (attempt.permanent) {
        return Fail("usage", "cannot send to " + base + path + ": " + attempt.failure);
      }
      if (attempt.reached) {
        int status = attempt.reply.status;
        if (status != 502 && status != 503 && status != 504) return std::move(attempt.reply);
        last_failure = "the server answered " + std::to_string(status);
      } else {
        last_failure = attempt.failure;
      }
    } else if (!provider_failed) {
      last_failure = "no server URL is known yet";
    }

    if (final_attempt || Clock::now() >= deadline) break;
    // Jitter over the upper half of the window: thousands of jobs whose
    // server went away must not come back in lockstep.
    std::uniform_int_distribution<int64_t> jitter(backoff_ms / 2, backoff_ms);
    auto wake = Clock::now() + std::chrono::milliseconds(jitter(random));
    if (wake >= deadline) {
      // One last try at the deadline, rather than a burst of tries in the
      // last fraction of a millisecond.
      wake = deadline;
      final_attempt = true;
    }
    std::this_thread::sleep_until(wake);
    backoff_ms = std::min<int64_t>(backoff_ms * 2, std::max(1, policy.max_backoff_ms));
  }
  std::string target =
      last_url.empty() ? path + " (no server URL was ever found)" : last_url + path;
  return Fail(kUnreachableError, "gave up after " + Seconds(Clock::now() - start) + " and " +
                                     std::to_string(attempts) + " attempt(s) to " + method + " " +
                                     target + "; last failure: " + last_failure);
}

}  // namespace hpcflow::orchestrator
