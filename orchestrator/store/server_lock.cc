#include "orchestrator/store/server_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/files.h"
#include "common/ids.h"
#include "orchestrator/store/state_dir.h"

namespace hpcflow::orchestrator {

namespace {

// Open-file-description locks: held until the holder's descriptor closes
// (also on kill -9), and, unlike flock, testable without taking them
// (F_OFD_GETLK), so checking for a holder never blocks one from starting.
struct flock WholeFile(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  return lock;
}

pid_t ReadPid(int fd) {
  char buffer[32] = {};
  ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return 0;
  return static_cast<pid_t>(std::strtol(buffer, nullptr, 10));
}

std::string ServerLockFile(const std::string& state_dir) { return state_dir + "/server.lock"; }

std::string OwnerLockFile(const std::string& state_dir, const std::string& owner) {
  std::string name;
  for (char c : owner) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return state_dir + "/owners/" + name + ".lock";
}

}  // namespace

Result<ProcessLock> ProcessLock::Acquire(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail("io", "cannot open " + path + ": " + strerror(errno));
  struct flock lock = WholeFile(F_WRLCK);
  if (fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    pid_t pid = ReadPid(fd);
    close(fd);
    return Fail("busy", path + " is held" + (pid > 0 ? " by pid " + std::to_string(pid) : ""));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return Fail("io", "cannot write " + path + ": " + strerror(errno));
  }
  return ProcessLock(fd, path);
}

ProcessLock::~ProcessLock() {
  if (fd_ < 0) return;
  if (remove_) unlink(path_.c_str());
  close(fd_);
}

bool ProcessLock::IsHeld(const std::string& path, pid_t* pid) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock lock = WholeFile(F_WRLCK);
  bool held = fcntl(fd, F_OFD_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  if (held && pid) *pid = ReadPid(fd);
  close(fd);
  return held;
}

Result<ProcessLock> ServerLock::Acquire(const std::string& state_dir) {
  // The lock is often the first file of a new state directory: make the
  // directory owner-only before anything goes in (docs/security.md).
  if (auto prepared = PrepareStateDir(state_dir); !prepared) return Fail(prepared.error());
  auto lock = ProcessLock::Acquire(ServerLockFile(state_dir));
  if (!lock && lock.error().name == "busy") {
    pid_t pid = 0;
    IsHeld(state_dir, &pid);
    return Fail("busy", "another hpcflow server is already running on " + state_dir +
                            (pid > 0 ? " (pid " + std::to_string(pid) + ")" : ""));
  }
  return lock;
}

bool ServerLock::IsHeld(const std::string& state_dir, pid_t* pid) {
  return ProcessLock::IsHeld(ServerLockFile(state_dir), pid);
}

std::string NewRunOwner() {
  char nonce[16];
  std::snprintf(nonce, sizeof(nonce), "%08llx",
                static_cast<unsigned long long>(RandomSeed() & 0xffffffffULL));
  return "run:" + std::to_string(getpid()) + "-" + nonce;
}

Result<ProcessLock> AcquireOwnerLock(const std::string& state_dir, const std::string& owner) {
  if (auto made = CreatePrivateDirectories(state_dir + "/owners"); !made) return Fail(made.error());
  auto lock = ProcessLock::Acquire(OwnerLockFile(state_dir, owner));
  if (lock) lock->RemoveFileOnRelease();
  return lock;
}

bool IsOwnerAlive(const std::string& state_dir, const std::string& owner) {
  if (owner.empty()) return ServerLock::IsHeld(state_dir);
  std::string path = OwnerLockFile(state_dir, owner);
  if (access(path.c_str(), F_OK) == 0) return ProcessLock::IsHeld(path);
  // No lock file: an owner of an older hpcflow ("run:<pid>"), or one whose
  // process ended (its file goes with it). Alive only if that pid runs.
  if (owner.rfind("run:", 0) != 0) return false;
  std::string rest = owner.substr(4);
  if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos) return false;
  pid_t pid = static_cast<pid_t>(std::atol(rest.c_str()));
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace hpcflow::orchestrator
