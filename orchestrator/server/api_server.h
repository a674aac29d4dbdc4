// The HTTP API of a running hpcflow, on the HTTP server (the routes are the
// table of api_routes.cc, documented in docs/openapi.yaml):
//
//   POST /v1/tasks/success|failure|heartbeat   task callbacks, by token
//   POST /v1/jobs/end                          the job wrapper's report of a job's end
//   POST /v1/executions                        start an execution      }
//   GET  /v1/executions[?status=S&limit=N]     list                    } owner only: need
//   GET  /v1/executions/ID                     describe                } "Authorization:
//   GET  /v1/executions/ID/history             history                 }  Bearer <control.key>"
//   POST /v1/executions/ID/stop                stop                    }
//
// Callbacks need no secret: their token is their authority (HMAC-signed,
// bound to one task attempt). The control API is for the owner of the state
// directory only, who can read its 0600 control.key.
#ifndef HPCFLOW_ORCHESTRATOR_SERVER_API_SERVER_H_
#define HPCFLOW_ORCHESTRATOR_SERVER_API_SERVER_H_

#include <memory>
#include <string>

#include "common/result.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/server/http_server.h"
#include "orchestrator/store/state_files.h"

namespace hpcflow::orchestrator {

struct ApiServerOptions {
  // Where to listen: an address compute nodes can reach ("0.0.0.0" for all
  // interfaces), and a port (0: the one used last time if free, else any).
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string control_secret;
  // Written with the URL chosen, for the CLI and for jobs ("" = none).
  std::string url_file;
  // The state directory (to tell whether an execution's owner is alive).
  std::string state_dir;
};

class ApiServer {
 public:
  // `runtime` must outlive the server.
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options,
                                                  DurableRuntime& runtime);
  ~ApiServer();
  const std::string& url() const { return url_; }
  void Stop();

 private:
  ApiServer() = default;
  std::unique_ptr<HttpServer> http_;
  std::string url_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_SERVER_API_SERVER_H_
