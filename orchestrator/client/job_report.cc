#include "orchestrator/client/job_report.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "backends/job_dir.h"
#include "backends/job_environment.h"
#include "common/json.h"
#include "orchestrator/client/callback_client.h"
#include "orchestrator/store/state_files.h"

namespace hpcflow::orchestrator {

void ReportJobEnd(const std::string& job_dir, const backends::JobEnd& end) {
  // The end goes to the runtime through the callback API; the job's spec
  // says where and with which token. The `exit` file the wrapper wrote
  // first stays the record that reconciliation falls back on.
  auto spec_text = ReadFile(backends::JobFiles(job_dir).spec());
  if (!spec_text) return;
  auto spec = ParseJson(*spec_text);
  if (!spec || !spec->is_object() || !spec->contains("environment")) return;
  const Json& env = (*spec)["environment"];
  std::string token = env.value(backends::kTaskTokenVariable, std::string());
  std::string url = env.value(backends::kCallbackUrlVariable, std::string());
  std::string state_dir = env.value(backends::kStateDirVariable, std::string());
  if (token.empty() || (url.empty() && state_dir.empty())) return;
  // The URL the job was given first; if that process is gone, the state
  // directory's server (restarted, maybe on another port).
  int attempt = 0;
  auto url_provider = [&]() -> std::string {
    ++attempt;
    if (!url.empty() && (attempt % 2 == 1 || state_dir.empty())) return url;
    std::string current = ReadServerUrl(state_dir);
    return current.empty() ? url : current;
  };
  // The report key proves the report comes from the wrapper, not from
  // whoever holds the task token (it is in the 0600 spec, not in the
  // job's environment).
  Json body = {{"token", token},
               {"key", spec->value("report_key", std::string())},
               {"end", backends::JobEndToJson(end)}};
  RetryPolicy policy;
  policy.max_backoff_ms = 5000;  // back soon after a restart, yet no storm
  // How long to keep trying: the runtime says in the job's environment (a
  // server may be restarting: an hour; an `hpcflow run` that has ended
  // comes back never: a minute), the wrapper's own environment may
  // override it.
  std::string retry = env.value(backends::kCallbackRetryVariable, std::string("3600"));
  if (const char* env_retry = std::getenv(backends::kCallbackRetryVariable)) retry = env_retry;
  policy.give_up_after_ms = static_cast<int64_t>(std::max(0.0, std::atof(retry.c_str())) * 1000);
  auto reply = SendWithRetry(url_provider, "POST", "/v1/jobs/end", DumpJson(body),
                             {{"Content-Type", "application/json"}}, policy);
  if (!reply) {
    std::cerr << "hpcflow job-wrapper: could not report the end: " << reply.error().cause << "\n";
  }
}

}  // namespace hpcflow::orchestrator
