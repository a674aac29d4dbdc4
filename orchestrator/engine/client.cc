// hpcflow::Client (include/hpcflow/client.h): the control and callback API
// of a running server, spoken with the callback client's retrying HTTP.
#include "hpcflow/client.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/json.h"
#include "orchestrator/client/callback_client.h"
#include "orchestrator/client/control_client.h"
#include "orchestrator/client/server_launcher.h"
#include "orchestrator/engine/engine_binary.h"
#include "orchestrator/engine/subscription_impl.h"
#include "orchestrator/runtime/workflow_loader.h"
#include "orchestrator/store/secret_file.h"
#include "orchestrator/store/server_lock.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/state_files.h"
#include "workflows/timestamp.h"

namespace hpcflow {

using orchestrator::HttpReply;

namespace {

int64_t ParseTimeMs(const Json& value) {
  if (!value.is_string()) return 0;
  auto t = workflows::ParseTimestamp(value.get<std::string>());
  if (!t) return 0;
  return t->seconds * 1000 + t->nanos / 1'000'000;
}

std::optional<std::string> OptionalText(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return it->is_string() ? it->get<std::string>() : DumpJson(*it);
}

// The server's StatusJson, back into an ExecutionInfo.
ExecutionInfo InfoFromJson(const Json& j) {
  ExecutionInfo info;
  info.id = j.value("executionId", std::string());
  info.name = j.value("name", std::string());
  info.workflow = j.value("workflow", std::string());
  info.status = j.value("status", std::string());
  info.backend = j.value("backend", std::string());
  info.express = j.value("express", false);
  if (auto it = j.find("input"); it != j.end()) info.input = DumpJson(*it);  // describe only
  if (auto it = j.find("output"); it != j.end()) info.output = DumpJson(*it);
  info.error = OptionalText(j, "error");
  info.cause = OptionalText(j, "cause");
  info.start_ms = ParseTimeMs(j.value("startDate", Json()));
  info.stop_ms = ParseTimeMs(j.value("stopDate", Json()));
  info.transitions = j.value("transitions", int64_t{0});
  info.parent_id = j.value("parentExecutionId", std::string());
  info.redrive_count = j.value("redriveCount", int64_t{0});
  info.redrive_ms = ParseTimeMs(j.value("redriveDate", Json()));
  return info;
}

HistoryEvent EventFromJson(const Json& j) {
  HistoryEvent event;
  event.id = j.value("id", int64_t{0});
  event.type = j.value("type", std::string());
  event.timestamp_ms = ParseTimeMs(j.value("timestamp", Json()));
  event.state_name = j.value("stateName", std::string());
  if (auto it = j.find("details"); it != j.end()) event.details = DumpJson(*it);
  return event;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::string url;
  std::string key;

  // One call; a reply that is not 2xx becomes the error the server named.
  Result<Json> Call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    orchestrator::RetryPolicy policy;
    policy.give_up_after_ms = options.timeout.count();
    std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + key}};
    std::string base = url;
    auto reply =
        orchestrator::SendWithRetry([base] { return base; }, method, path, body, headers, policy);
    if (!reply) return Fail(reply.error());
    auto parsed = ParseJson(reply->body.empty() ? "null" : reply->body);
    if (reply->status >= 200 && reply->status < 300) {
      if (!parsed) return Fail("io", "the server's answer is not JSON: " + parsed.error().cause);
      return std::move(*parsed);
    }
    std::string name = "HTTP" + std::to_string(reply->status);
    std::string message = reply->body;
    if (parsed && parsed->is_object()) {
      name = parsed->value("error", parsed->value("status", name));
      message = parsed->value("message", message);
    }
    // The Engine's names for the same failures.
    if (reply->status == 404 && (name == "HTTP404" || name == "ExecutionDoesNotExist")) {
      name = "NotFound";
    }
    if (reply->status == 401) name = "Unauthorized";
    if (name == "InvalidDefinition") name = "hpcflow.InvalidDefinition";
    return Fail(name, message);
  }

  Status Callback(const std::string& kind, Json body) {
    auto answer = Call("POST", "/v1/tasks/" + kind, DumpJson(body));
    if (!answer) {
      auto& e = answer.error();
      if (e.name == "late") return Fail("TaskTimedOut", e.cause);
      if (e.name == "unknown") return Fail("TaskDoesNotExist", e.cause);
      if (e.name == "refused" || e.name.rfind("hpcflow.", 0) == 0) {
        return Fail("InvalidToken", e.cause);
      }
      return Fail(e);
    }
    return {};
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.url.empty()) {
    impl->url = options.url;
    impl->key = options.control_key;
  } else {
    std::string dir = orchestrator::ResolveStateDirPath(options.state_dir);
    options.state_dir = dir;
    if (!orchestrator::ServerLock::IsHeld(dir)) {
      if (!options.start_server) {
        return Fail("NotRunning", "no hpcflow server runs for " + dir +
                                      " (start one: hpcflow server --state-dir " + dir + ")");
      }
      if (auto s = orchestrator::PrepareStateDir(dir); !s) return Fail(s.error());
      auto started = orchestrator::EnsureServerRunning(
          dir, orchestrator::FindHpcflowBinary(options.hpcflow_binary));
      if (!started) return Fail(started.error());
    }
    // The server writes its URL once it listens.
    for (int i = 0; i < 200 && impl->url.empty(); ++i) {
      impl->url = orchestrator::ReadServerUrl(dir);
      if (impl->url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (impl->url.empty()) return Fail("NotRunning", "the server of " + dir + " has no URL yet");
    auto key = orchestrator::LoadOrCreateSecret(orchestrator::ControlKeyFile(dir));
    if (!key) return Fail(key.error());
    impl->key = *key;
  }
  impl->options = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const std::string& Client::url() const { return impl_->url; }

Result<std::string> Client::Start(const StartRequest& request) {
  auto input = ParseJson(request.input);
  if (!input) return Fail("usage", "the input is not JSON: " + input.error().cause);
  // A registered state machine is looked up by the server.
  const bool by_name = request.definition.empty() && request.definition_file.empty() &&
                       !request.state_machine.empty();
  auto source = by_name ? Result<orchestrator::DefinitionSource>(orchestrator::DefinitionSource{})
                        : orchestrator::ReadDefinition(request.definition_file, request.definition);
  if (!source) return Fail(source.error());
  std::error_code ec;
  Json body = {
      {"workflow", source->workflow},
      {"definition", std::move(source->text)},
      {"stateMachine", request.state_machine},
      {"input", *input},
      {"name", request.name},
      {"express", request.express},
      {"workdir", request.working_directory.empty() ? std::filesystem::current_path(ec).string()
                                                    : request.working_directory}};
  if (!request.backend.empty()) body["backend"] = request.backend;
  auto answer = impl_->Call("POST", "/v1/executions", DumpJson(body));
  if (!answer) return Fail(answer.error());
  return answer->value("executionId", std::string());
}

Result<ExecutionInfo> Client::Describe(const std::string& id_or_name) {
  auto answer = impl_->Call("GET", "/v1/executions/" + orchestrator::UrlSegment(id_or_name));
  if (!answer) return Fail(answer.error());
  return InfoFromJson(*answer);
}

Result<ExecutionInfo> Client::Wait(const std::string& id_or_name,
                                   std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(20);
  for (;;) {
    auto info = Describe(id_or_name);
    if (!info || info->done()) return info;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Fail("Timeout", "the execution '" + id_or_name + "' is still " + info->status);
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

Status Client::Stop(const std::string& id_or_name, const std::string& error,
                    const std::string& cause) {
  Json body = Json::object();
  if (!error.empty()) body["error"] = error;
  if (!cause.empty()) body["cause"] = cause;
  auto answer = impl_->Call(
      "POST", "/v1/executions/" + orchestrator::UrlSegment(id_or_name) + "/stop", DumpJson(body));
  if (!answer) return Fail(answer.error());
  return {};
}

Status Client::Redrive(const std::string& id_or_name) {
  auto answer = impl_->Call(
      "POST", "/v1/executions/" + orchestrator::UrlSegment(id_or_name) + "/redrive", "{}");
  if (!answer) return Fail(answer.error());
  return {};
}

Result<std::vector<HistoryEvent>> Client::History(const std::string& id_or_name) {
  auto answer =
      impl_->Call("GET", "/v1/executions/" + orchestrator::UrlSegment(id_or_name) + "/history");
  if (!answer) return Fail(answer.error());
  std::vector<HistoryEvent> events;
  const Json& list =
      answer->is_object() && answer->contains("events") ? (*answer)["events"] : *answer;
  if (list.is_array()) {
    for (const auto& e : list) events.push_back(EventFromJson(e));
  }
  return events;
}

Result<std::vector<ExecutionInfo>> Client::List(const ListRequest& request) {
  std::string path = "/v1/executions?limit=" + std::to_string(request.limit);
  if (!request.status.empty()) path += "&status=" + orchestrator::UrlSegment(request.status);
  auto answer = impl_->Call("GET", path);
  if (!answer) return Fail(answer.error());
  std::vector<ExecutionInfo> out;
  if (answer->is_array()) {
    for (const auto& row : *answer) out.push_back(InfoFromJson(row));
  }
  return out;
}

Result<Subscription> Client::Subscribe(const std::string& id_or_name, EventHandler handler) {
  auto first = Describe(id_or_name);
  if (!first) return Fail(first.error());
  auto stop = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<Impl> impl = impl_;
  std::string id = first->id;
  auto thread = std::make_shared<std::thread>([impl, id, handler, stop] {
    int64_t seen = 0;
    Client poller(nullptr);
    poller.impl_ = impl;
    while (!stop->load()) {
      auto info = poller.Describe(id);
      auto events = poller.History(id);
      if (events) {
        for (const auto& e : *events) {
          if (e.id <= seen) continue;
          if (stop->load()) return;
          handler(e);
          seen = e.id;
        }
      }
      if (info && info->done()) return;  // its history is complete
      for (int i = 0; i < 20 && !stop->load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  });
  auto sub = std::make_unique<Subscription::Impl>();
  sub->cancel = [stop, thread] {
    stop->store(true);
    if (thread->joinable()) {
      if (thread->get_id() == std::this_thread::get_id()) {
        thread->detach();  // ended from its own handler
      } else {
        thread->join();
      }
    }
  };
  return Subscription(std::move(sub));
}

Status Client::SendTaskSuccess(const std::string& task_token, const std::string& output) {
  auto parsed = ParseJson(output);
  if (!parsed) return Fail("usage", "the output is not JSON: " + parsed.error().cause);
  return impl_->Callback("success", Json{{"token", task_token}, {"output", *parsed}});
}

Status Client::SendTaskFailure(const std::string& task_token, const std::string& error,
                               const std::string& cause) {
  return impl_->Callback("failure",
                         Json{{"token", task_token}, {"error", error}, {"cause", cause}});
}

Status Client::SendTaskHeartbeat(const std::string& task_token) {
  return impl_->Callback("heartbeat", Json{{"token", task_token}});
}

}  // namespace hpcflow
