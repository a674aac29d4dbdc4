#include "backends/job_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "backends/job_dir.h"

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;

// A small /proc file read with read(2): processes vanish between open and
// read, which an ifstream would turn into an exception.
std::string ReadProcFile(const std::string& path, size_t limit) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buffer[4096];
  while (text.size() < limit) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

bool IsNumber(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

bool HasEnvironmentEntry(pid_t pid, const std::string& entry) {
  std::string environ = ReadProcFile("/proc/" + std::to_string(pid) + "/environ", 1 << 20);
  size_t pos = 0;
  while (pos < environ.size()) {
    size_t end = environ.find('\0', pos);
    if (end == std::string::npos) end = environ.size();
    if (environ.compare(pos, end - pos, entry) == 0) return true;
    pos = end + 1;
  }
  return false;
}

bool Alive(pid_t pid) {
  std::string stat = ReadProcFile("/proc/" + std::to_string(pid) + "/stat", 1024);
  auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace

std::optional<uint64_t> ProcessStartTicks(pid_t pid) {
  std::string stat = ReadProcFile("/proc/" + std::to_string(pid) + "/stat", 1024);
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the
  // start time is field 22, the 20th after the closing parenthesis.
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  for (int i = 0; i < 20; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  try {
    return std::stoull(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string BootId() {
  static const std::string id = [] {
    std::string text = ReadProcFile("/proc/sys/kernel/random/boot_id", 128);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }();
  return id;
}

bool SignalJobGroup(const StartedRecord& started, int sig) {
  if (started.pgid <= 1) return false;
  if (!started.boot_id.empty() && started.boot_id != BootId()) return false;  // rebooted
  if (auto ticks = ProcessStartTicks(started.pgid)) {
    // The leader's pid is alive: it must be the very process that started
    // the job, not a newcomer with the same pid.
    if (started.start_ticks != 0 && *ticks != started.start_ticks) return false;
  }
  return kill(-started.pgid, sig) == 0;
}

int KillJobLeftovers(const std::string& job_dir, const StartedRecord& started, int timeout_ms) {
  if (!started.boot_id.empty() && started.boot_id != BootId()) return 0;  // nothing survives a boot
  // The group is searched only while it is the job's (SignalJobGroup's rule).
  // Signal 0 only checks: the members are counted alive before they die.
  const bool group_is_ours = SignalJobGroup(started, 0);
  const std::string marker = std::string(kJobDirVariable) + "=" + job_dir;
  const uid_t me = geteuid();
  std::set<pid_t> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    // One pass over /proc: members of the group, and processes that carry
    // the job's marker (they may have left the group) and are not older
    // than the job. Zombies are done: they run nothing.
    std::vector<pid_t> alive;
    std::error_code ec;
    fs::directory_iterator it("/proc", ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!IsNumber(name)) continue;
      pid_t pid = std::atoi(name.c_str());
      if (pid == getpid() || !Alive(pid)) continue;
      struct stat st {};
      if (stat(it->path().c_str(), &st) != 0 || st.st_uid != me) continue;
      bool member = group_is_ours && getpgid(pid) == started.pgid;
      if (!member) {
        auto ticks = ProcessStartTicks(pid);
        member = ticks && *ticks >= started.start_ticks && HasEnvironmentEntry(pid, marker);
      }
      if (member) alive.push_back(pid);
    }
    if (group_is_ours) kill(-started.pgid, SIGKILL);
    for (pid_t pid : alive) {
      seen.insert(pid);
      kill(pid, SIGKILL);
    }
    if (alive.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return static_cast<int>(seen.size());
}

}  // namespace hpcflow::backends
