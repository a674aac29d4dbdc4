// `hpcflow callback success|failure|heartbeat`: what a job (or its wrapper)
// runs on a compute node to report to the server that waits for it
// (DESIGN.md §4.3, §4.4). The server may be restarting: the command retries
// until --retry-for runs out, re-reading <state dir>/server.url each time
// because a restarted server may listen on another port.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "backends/job_environment.h"
#include "common/json.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/cli_flags.h"
#include "orchestrator/client/callback_client.h"
#include "orchestrator/runtime/callback_request.h"
#include "orchestrator/store/state_files.h"

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

namespace {

constexpr double kDefaultRetrySeconds = 600;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string Trim(std::string text) {
  const char* space = " \t\r\n";
  text.erase(0, text.find_first_not_of(space));
  size_t end = text.find_last_not_of(space);
  text.erase(end == std::string::npos ? 0 : end + 1);
  return text;
}

// The task's output as JSON text: --output JSON, @FILE or - (stdin). Without
// --output, stdin when it is not a terminal; a job that reports success with
// nothing to say (empty stdin, or a terminal) reports {}.
Result<Json> ReadOutput(const po::variables_map& vm) {
  std::string text;
  std::string source = "--output";
  bool from_stdin = false;
  if (vm.count("output")) {
    std::string argument = vm["output"].as<std::string>();
    if (argument == "-") {
      from_stdin = true;
    } else if (!argument.empty() && argument[0] == '@') {
      auto content = ReadFile(argument.substr(1));
      if (!content) return Fail("usage", "--output " + argument + ": " + content.error().cause);
      text = std::move(*content);
      source = argument.substr(1);
    } else {
      text = argument;
    }
  } else if (!isatty(STDIN_FILENO)) {
    from_stdin = true;
  } else {
    return Json::object();
  }
  if (from_stdin) {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    source = "standard input";
    if (!vm.count("output") && Trim(text).empty()) return Json::object();
  }
  auto value = ParseJson(text);
  if (!value) {
    return Fail("usage", source + " is not valid JSON (" + value.error().cause +
                             "); the output must be a JSON value, e.g. --output '{\"ok\":true}'");
  }
  return value;
}

// How long to keep trying: --retry-for, else $HPCFLOW_CALLBACK_RETRY_SECONDS,
// else ten minutes (longer than a server restart takes).
Result<double> RetrySeconds(const po::variables_map& vm) {
  if (vm.count("retry-for")) {
    double seconds = vm["retry-for"].as<double>();
    if (!(seconds >= 0)) return Fail("usage", "--retry-for must be a number of seconds >= 0");
    return seconds;
  }
  std::string env = Env(backends::kCallbackRetryVariable);
  if (env.empty()) return kDefaultRetrySeconds;
  char* end = nullptr;
  double seconds = std::strtod(env.c_str(), &end);
  if (end == env.c_str() || *end != '\0' || !(seconds >= 0)) {
    return Fail("usage",
                "HPCFLOW_CALLBACK_RETRY_SECONDS='" + env + "' is not a number of seconds >= 0");
  }
  return seconds;
}

// What the server said when it refused: its {"error", "message"}, or the raw body.
std::string DescribeRefusal(const HttpReply& reply) {
  std::string what = "HTTP " + std::to_string(reply.status);
  auto json = ParseJson(reply.body);
  if (json && json->is_object()) {
    if (json->contains("error") && (*json)["error"].is_string()) {
      what += " " + (*json)["error"].get<std::string>();
    }
    if (json->contains("message") && (*json)["message"].is_string()) {
      return what + ": " + (*json)["message"].get<std::string>();
    }
  }
  std::string body = Trim(reply.body);
  if (body.size() > 500) body = body.substr(0, 500) + "...";
  return body.empty() ? what : what + ": " + body;
}

}  // namespace

int CmdCallback(const std::vector<std::string>& args) {
  po::options_description flags(
      "hpcflow callback success|failure|heartbeat [flags]\n"
      "Reports a task's result to the server waiting for it (run by jobs).\n"
      "Exit: 0 accepted, 1 refused (late, repeated or invalid token), 2 bad usage,\n"
      "6 server unreachable for --retry-for seconds");
  flags.add_options()("help,h", "print this help")(
      "kind", po::value<std::string>()->default_value(""), "success, failure or heartbeat")(
      "token", po::value<std::string>(), "the task token (default $HPCFLOW_TASK_TOKEN)")(
      "url", po::value<std::string>(),
      "server URL (default $HPCFLOW_CALLBACK_URL, then <state dir>/server.url)")(
      "output", po::value<std::string>(),
      "success: the output, JSON text, @FILE or - for stdin (default: stdin unless a "
      "terminal, else {})")("error", po::value<std::string>(),
                            "failure: the error name (at most 256 characters)")(
      "cause", po::value<std::string>(), "failure: the cause (at most 32768 characters)")(
      "retry-for", po::value<double>(),
      "seconds to keep retrying an unreachable server (default "
      "$HPCFLOW_CALLBACK_RETRY_SECONDS, else 600)")(
      "state-dir", po::value<std::string>()->default_value(""),
      "state directory (default $HPCFLOW_STATE_DIR, then $HPCFLOW_HOME, then ~/.hpcflow)");
  po::positional_options_description positional;
  positional.add("kind", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "callback")) return kExitUsage;
  auto usage = [](const std::string& message) {
    std::cerr << "hpcflow callback: " << message << "\n";
    return kExitUsage;
  };

  if (vm.count("help")) {
    std::cout << flags << "\n";
    return kExitOk;
  }

  std::string kind_name = vm["kind"].as<std::string>();
  CallbackKind kind;
  if (kind_name.empty()) {
    return usage("say what to report: hpcflow callback success|failure|heartbeat (see --help)");
  } else if (kind_name == "success") {
    kind = CallbackKind::kSuccess;
  } else if (kind_name == "failure") {
    kind = CallbackKind::kFailure;
  } else if (kind_name == "heartbeat") {
    kind = CallbackKind::kHeartbeat;
  } else {
    return usage("unknown kind '" + kind_name + "' (use success, failure or heartbeat)");
  }
  if (kind != CallbackKind::kSuccess && vm.count("output")) {
    return usage("--output is for 'callback success' only");
  }
  if (kind != CallbackKind::kFailure && (vm.count("error") || vm.count("cause"))) {
    return usage("--error and --cause are for 'callback failure' only");
  }

  std::string token =
      vm.count("token") ? vm["token"].as<std::string>() : Env(backends::kTaskTokenVariable);
  if (token.empty()) return usage("no task token: pass --token or set HPCFLOW_TASK_TOKEN");

  Json body = {{"token", token}};
  if (kind == CallbackKind::kSuccess) {
    auto output = ReadOutput(vm);
    if (!output) return usage(output.error().cause);
    body["output"] = std::move(*output);
  } else if (kind == CallbackKind::kFailure) {
    if (vm.count("error")) body["error"] = vm["error"].as<std::string>();
    if (vm.count("cause")) body["cause"] = vm["cause"].as<std::string>();
  }
  std::string text = DumpJson(body);
  // The server checks the same way; checking here turns a 400 after a long
  // wait for the server into an immediate, clear usage error.
  if (auto valid = ParseCallbackRequest(kind, text); !valid) return usage(valid.error().cause);

  auto retry_seconds = RetrySeconds(vm);
  if (!retry_seconds) return usage(retry_seconds.error().cause);

  std::string url =
      vm.count("url") ? vm["url"].as<std::string>() : Env(backends::kCallbackUrlVariable);
  std::function<std::string()> url_provider;
  std::string url_source;
  if (!url.empty()) {
    url_provider = [url] { return url; };
  } else {
    std::string state_dir = vm["state-dir"].as<std::string>();
    if (state_dir.empty()) state_dir = Env(backends::kStateDirVariable);
    state_dir = ResolveStateDir(state_dir);
    // Read on every attempt: a restarted server writes its new address there.
    // Anything but an http(s) URL (a file caught half-written) counts as no
    // URL yet, which is retried, rather than as a bad URL, which is not.
    url_provider = [state_dir] { return ReadServerUrl(state_dir); };
    url_source = " (the server's URL is read from " + ServerUrlFile(state_dir) + ")";
  }

  RetryPolicy policy;
  policy.give_up_after_ms = static_cast<int64_t>(*retry_seconds * 1000);
  auto reply = SendWithRetry(url_provider, "POST",
                             std::string("/v1/tasks/") + CallbackKindName(kind), text, {}, policy);
  if (!reply) {
    std::cerr << "hpcflow callback " << kind_name << ": " << reply.error().cause;
    if (reply.error().name == kUnreachableError) {
      std::cerr << url_source << "\n";
      return kExitUnreachable;
    }
    std::cerr << "\n";
    return kExitUsage;
  }
  if (reply->status >= 200 && reply->status < 300) return kExitOk;
  std::cerr << "hpcflow callback " << kind_name
            << ": the server did not accept the callback: " << DescribeRefusal(*reply) << "\n";
  return kExitFailed;
}

}  // namespace hpcflow::orchestrator
