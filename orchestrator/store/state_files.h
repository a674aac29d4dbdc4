// The files of a state directory through which the server, the CLI and the
// job wrappers find each other: the server's URL and the two 0600 secrets.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_STATE_FILES_H_
#define HPCFLOW_ORCHESTRATOR_STORE_STATE_FILES_H_

#include <string>

namespace hpcflow::orchestrator {

std::string ServerUrlFile(const std::string& state_dir);   // written by the server
std::string TokenKeyFile(const std::string& state_dir);    // signs task tokens
std::string ControlKeyFile(const std::string& state_dir);  // the control API's secret

// The URL in `state_dir`'s server.url; "" when there is none, or when the
// file holds no http(s) URL (caught half-written): callers retry then.
std::string ReadServerUrl(const std::string& state_dir);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_STATE_FILES_H_
