#include "backends/process_tree.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

namespace hpcflow::backends {

namespace fs = std::filesystem;

bool BecomeSubreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

namespace {

// /proc/PID/stat, or "" when the process is gone. Plain read(2): a process
// that exits between open and read makes read fail with ESRCH, which a
// std::ifstream turns into an exception (that once killed a job wrapper).
std::string ReadProcStat(const std::string& pid) {
  std::string path = "/proc/" + pid + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buffer[1024];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) < 0 && errno == EINTR) {
  }
  close(fd);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

// Reaps the children that have ended; true when some are still alive.
// Usually a job leaves nothing behind, and then the scan of /proc (a read
// of every process's stat, per job) is not needed at all.
bool HasLiveChildren() {
  while (true) {
    pid_t pid = waitpid(-1, nullptr, WNOHANG);
    if (pid > 0 || (pid < 0 && errno == EINTR)) continue;
    return pid == 0;  // -1 with ECHILD: no child at all
  }
}

}  // namespace

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code ec;
  fs::directory_iterator it("/proc", ec);
  // increment(ec), not ++: processes come and go while /proc is read.
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadProcStat(name);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    char state = 0;
    pid_t ppid = 0;
    if (fields >> state >> ppid && ppid == parent) children.push_back(std::atoi(name.c_str()));
  }
  return children;
}

void KillAndReapDescendants() {
  // Each round kills the current children; their own children are then
  // adopted by us and found by the next round. The bound only guards
  // against a tree that forks faster than it dies.
  for (int round = 0; round < 1000; ++round) {
    if (!HasLiveChildren()) return;
    std::vector<pid_t> children = ChildrenOf(getpid());
    if (children.empty()) return;
    for (pid_t child : children) kill(child, SIGKILL);
    for (pid_t child : children) {
      while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
}

}  // namespace hpcflow::backends
