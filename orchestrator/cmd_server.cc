// `hpcflow server` (the long-running orchestrator) and the hidden
// `hpcflow job-wrapper DIR` that local jobs run under.
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <iostream>

#include "backends/job_wrapper.h"
#include "common/time_format.h"
#include "orchestrator/cli.h"
#include "orchestrator/cli_flags.h"
#include "orchestrator/durable_runtime.h"
#include "orchestrator/server_lock.h"

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
  flags.add_options()("state-dir", po::value<std::string>()->default_value(""),
                      "state directory")(
      "poll-ms", po::value<int>()->default_value(100), "how often to look for new requests");
  po::positional_options_description positional;
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "server")) return kExitUsage;
  std::string state_dir = ResolveStateDir(vm["state-dir"].as<std::string>());
  auto lock = ServerLock::Acquire(state_dir);
  if (!lock) {
    std::cerr << "hpcflow server: " << lock.error().cause << "\n";
    return kExitBusy;
  }
  RuntimeOptions options;
  options.state_dir = state_dir;
  options.hpcflow_binary = SelfBinary();
  options.poll_interval_ms = std::max(5, vm["poll-ms"].as<int>());
  auto runtime = DurableRuntime::Create(options);
  if (!runtime) {
    std::cerr << "hpcflow server: " << runtime.error().cause << "\n";
    return kExitStore;
  }
  g_runtime = runtime->get();
  struct sigaction action {};
  action.sa_handler = OnShutdownSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::cerr << "hpcflow server: pid " << getpid() << " serving " << state_dir << "\n";
  if (auto s = (*runtime)->Recover(); !s) {
    std::cerr << "hpcflow server: recovery failed: " << s.error().cause << "\n";
    g_runtime = nullptr;
    return kExitStore;
  }
  auto status = (*runtime)->Run();
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
    std::cerr << "usage: hpcflow job-wrapper JOB_DIR (used by the local backend)\n";
    return kExitUsage;
  }
  return backends::RunJobWrapper(args[0], [](const backends::JobEnd&) {});
}

}  // namespace hpcflow::orchestrator
