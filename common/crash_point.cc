#include "common/crash_point.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace hpcflow {

namespace {

struct CrashPlan {
  bool armed = false;
  std::string point;
  long pass = 1;
  std::string counter_file;
};

const CrashPlan& Plan() {
  static const CrashPlan plan = [] {
    CrashPlan p;
    const char* at = std::getenv("HPCFLOW_CRASH_AT");
    if (at == nullptr || *at == '\0') return p;
    std::string spec = at;
    auto colon = spec.find(':');
    p.point = spec.substr(0, colon);
    if (colon != std::string::npos) p.pass = std::atol(spec.c_str() + colon + 1);
    if (p.pass < 1) p.pass = 1;
    if (!IsCrashPoint(p.point.c_str())) {
      std::fprintf(stderr, "hpcflow: HPCFLOW_CRASH_AT names no crash point: '%s'\n",
                   p.point.c_str());
      return p;
    }
    if (const char* file = std::getenv("HPCFLOW_CRASH_COUNTER")) p.counter_file = file;
    p.armed = true;
    return p;
  }();
  return plan;
}

std::atomic<long> g_passes{0};

// The shared count: read, increment and write back under an flock. Returns
// the pass number of this call.
long NextSharedPass(const std::string& file) {
  int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  while (flock(fd, LOCK_EX) != 0) {
  }
  char buffer[32] = {};
  ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  long count = n > 0 ? std::atol(buffer) : 0;
  ++count;
  std::string text = std::to_string(count) + "\n";
  if (ftruncate(fd, 0) == 0) {
    ssize_t ignored = pwrite(fd, text.data(), text.size(), 0);
    (void)ignored;
  }
  fsync(fd);
  close(fd);  // releases the lock
  return count;
}

}  // namespace

bool IsCrashPoint(const char* name) {
  for (const char* point : kCrashPoints) {
    if (std::strcmp(point, name) == 0) return true;
  }
  return false;
}

void CrashPoint(const char* point) {
  const CrashPlan& plan = Plan();
  if (!plan.armed || plan.point != point) return;
  long pass = plan.counter_file.empty() ? ++g_passes : NextSharedPass(plan.counter_file);
  if (pass != plan.pass) return;
  std::fprintf(stderr, "hpcflow: crash point %s (pass %ld): killing process %d\n", point, pass,
               static_cast<int>(getpid()));
  std::fflush(stderr);
  kill(getpid(), SIGKILL);
  _exit(137);  // not reached
}

}  // namespace hpcflow
