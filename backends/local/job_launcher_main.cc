// hpcflow-job-launcher FD: the job launcher (backends/local/job_launcher.h)
// as a binary of its own. It links the backends and nothing of the
// orchestrator (no HTTP, TLS, SQLite, YAML), so it maps a fraction of what
// `hpcflow` maps: every job's wrapper is a fork of it, and the job a fork of
// that, so each fork and exit copies and frees that much less.
#include <cstdio>
#include <cstdlib>

#include "backends/local/job_launcher.h"

int main(int argc, char** argv) {
  char* end = nullptr;
  long fd = argc == 2 ? std::strtol(argv[1], &end, 10) : -1;
  if (fd < 0 || end == nullptr || *end != '\0') {
    std::fprintf(stderr, "usage: hpcflow-job-launcher FD (started by the local backend)\n");
    return 2;
  }
  return hpcflow::backends::RunJobLauncher(static_cast<int>(fd));
}
