// hpcflow::Client: the Engine's operations against a running `hpcflow
// server`, over its HTTP API (docs/openapi.yaml). For a pipeline that hands
// its workflows to the user's long-running server on the login node
// instead of running them in its own process.
//
//   auto client = hpcflow::Client::Connect({.state_dir = "/home/me/.hpcflow",
//                                           .start_server = true});
//   auto id = (*client)->Start({.definition_file = "/abs/path/sweep.yaml"});
//   auto done = (*client)->Wait(*id, std::chrono::minutes(30));
//
// The server reads workflow files itself: give absolute paths, or the text
// (StartRequest::definition). Function tasks are not served by a server:
// they need an Engine. Every method may be called from any thread.
#ifndef HPCFLOW_CLIENT_H_
#define HPCFLOW_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "hpcflow/engine.h"
#include "hpcflow/execution.h"
#include "hpcflow/export.h"
#include "hpcflow/result.h"

namespace hpcflow {

struct ClientOptions {
  // The server's state directory, where its URL and control key are found
  // (the key file is the owner's only: the control API is the owner's).
  // Empty: $HPCFLOW_HOME, then ~/.hpcflow.
  std::string state_dir;
  // Or the server's URL and control key, given directly.
  std::string url;
  std::string control_key;
  // Starts `hpcflow server` for state_dir when none runs.
  bool start_server = false;
  std::string hpcflow_binary;  // for start_server; as EngineOptions
  // How long one call keeps trying while the server does not answer.
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

class HPCFLOW_API Client {
 public:
  // Errors: "NotRunning" (no server for state_dir, and start_server is
  // false), "store" (the control key cannot be read), "io".
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // As the Engine's, with the server's answers as errors: "InvalidRequest",
  // "hpcflow.InvalidDefinition", "ExecutionAlreadyExists", "NotFound",
  // "Unauthorized", "hpcflow.Unreachable" (no answer in time).
  Result<std::string> Start(const StartRequest& request);
  Result<ExecutionInfo> Describe(const std::string& id_or_name);
  Result<ExecutionInfo> Wait(const std::string& id_or_name, std::chrono::milliseconds timeout);
  Status Stop(const std::string& id_or_name, const std::string& error = "",
              const std::string& cause = "");
  // Errors as the Engine's Redrive, and the server's ("ExecutionNotRedrivable").
  Status Redrive(const std::string& id_or_name);
  Result<std::vector<HistoryEvent>> History(const std::string& id_or_name);
  Result<std::vector<ExecutionInfo>> List(const ListRequest& request = {});
  // Polls the history (every 200 ms, on a thread of the subscription's own)
  // and calls `handler` for each new event, until the execution ends or
  // the subscription is destroyed.
  Result<Subscription> Subscribe(const std::string& id_or_name, EventHandler handler);

  Status SendTaskSuccess(const std::string& task_token, const std::string& output);
  Status SendTaskFailure(const std::string& task_token, const std::string& error,
                         const std::string& cause);
  Status SendTaskHeartbeat(const std::string& task_token);

  const std::string& url() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace hpcflow

#endif  // HPCFLOW_CLIENT_H_
