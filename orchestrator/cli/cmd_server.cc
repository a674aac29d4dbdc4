// `hpcflow server` (the long-running orchestrator), the hidden
// `hpcflow job-wrapper DIR` that every job runs under, and the hidden
// `hpcflow job-launcher FD` that forks the local backend's wrappers.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iostream>

#include "backends/job_wrapper.h"
#include "backends/local/job_launcher.h"
#include "common/time_format.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/cli_flags.h"
#include "orchestrator/client/job_report.h"
#include "orchestrator/runtime/durable_runtime.h"
#include "orchestrator/server/api_server.h"
#include "orchestrator/store/secret_file.h"
#include "orchestrator/store/server_lock.h"
#include "orchestrator/store/state_files.h"

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

namespace {

DurableRuntime* g_runtime = nullptr;

void OnShutdownSignal(int) {
  if (g_runtime) g_runtime->RequestShutdownFromSignal();
}

}  // namespace

std::string SelfBinary() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "hpcflow";
  return std::string(buffer, static_cast<size_t>(n));
}

int CmdServer(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow server");
  flags.add_options()("state-dir", po::value<std::string>()->default_value(""), "state directory")(
      "listen", po::value<std::string>()->default_value(DefaultListen()),
      "ADDRESS[:PORT] for callbacks and the control API; 0.0.0.0 for all interfaces, so "
      "compute nodes can reach it")(
      "reconcile-seconds", po::value<double>()->default_value(30),
      "how often backends are asked about live jobs when all is quiet")(
      "poll-ms", po::value<int>()->default_value(100), "how often to look for new requests");
  po::positional_options_description positional;
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "server")) return kExitUsage;
  auto listen = ParseListen(vm["listen"].as<std::string>());
  if (!listen) {
    std::cerr << "hpcflow server: --listen: " << listen.error().cause << "\n";
    return kExitUsage;
  }
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  auto lock = ServerLock::Acquire(state_dir);
  if (!lock) {
    std::cerr << "hpcflow server: " << lock.error().cause << "\n";
    return lock.error().name == "busy" ? kExitBusy : kExitStore;
  }
  auto token_key = LoadOrCreateSecret(TokenKeyFile(state_dir));
  auto control_key = LoadOrCreateSecret(ControlKeyFile(state_dir));
  if (!token_key || !control_key) {
    std::cerr << "hpcflow server: "
              << (!token_key ? token_key.error().cause : control_key.error().cause) << "\n";
    return kExitStore;
  }
  RuntimeOptions options;
  options.state_dir = state_dir;
  options.hpcflow_binary = SelfBinary();
  options.poll_interval_ms = std::max(5, vm["poll-ms"].as<int>());
  options.token_secret = *token_key;
  options.reconcile_quiet_ms =
      std::max<int64_t>(100, static_cast<int64_t>(vm["reconcile-seconds"].as<double>() * 1000));
  auto runtime = DurableRuntime::Create(options);
  if (!runtime) {
    std::cerr << "hpcflow server: " << runtime.error().cause << "\n";
    return kExitStore;
  }
  ApiServerOptions api_options;
  api_options.address = listen->first;
  api_options.port = listen->second;
  api_options.control_secret = *control_key;
  api_options.state_dir = state_dir;
  api_options.url_file = ServerUrlFile(state_dir);
  auto api = ApiServer::Start(api_options, **runtime);
  if (!api) {
    std::cerr << "hpcflow server: cannot listen on " << vm["listen"].as<std::string>() << ": "
              << api.error().cause << "\n";
    return kExitBusy;
  }
  (*runtime)->SetCallbackUrl((*api)->url());
  g_runtime = runtime->get();
  struct sigaction action {};
  action.sa_handler = OnShutdownSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::cerr << "hpcflow server: pid " << getpid() << " serving " << state_dir << " at "
            << (*api)->url() << "\n";
  if (auto s = (*runtime)->Recover(); !s) {
    std::cerr << "hpcflow server: recovery failed: " << s.error().cause << "\n";
    g_runtime = nullptr;
    return kExitStore;
  }
  auto status = (*runtime)->Run();
  (*api)->Stop();
  g_runtime = nullptr;
  if (!status) {
    // The store refused a write (disk full, corruption): stop before acting
    // on anything unrecorded. Everything committed so far is safe; a restart
    // resumes from there.
    std::cerr << "hpcflow server: stopping: " << status.error().cause << "\n";
    return kExitStore;
  }
  std::cerr << "hpcflow server: stopped\n";
  return kExitOk;
}

int CmdJobWrapper(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "usage: hpcflow job-wrapper JOB_DIR (run by the backends around every job)\n";
    return kExitUsage;
  }
  std::string job_dir = args[0];
  return backends::RunJobWrapper(
      job_dir, [&job_dir](const backends::JobEnd& end) { ReportJobEnd(job_dir, end); });
}

int CmdJobLauncher(const std::vector<std::string>& args) {
  char* end = nullptr;
  long fd = args.size() == 1 ? std::strtol(args[0].c_str(), &end, 10) : -1;
  if (fd < 0 || end == nullptr || *end != '\0') {
    std::cerr << "usage: hpcflow job-launcher FD (started by the local backend)\n";
    return kExitUsage;
  }
  return backends::RunJobLauncher(static_cast<int>(fd));
}

}  // namespace hpcflow::orchestrator
