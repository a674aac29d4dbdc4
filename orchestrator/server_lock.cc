#include "orchestrator/server_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace hpcflow::orchestrator {

namespace {

// Open-file-description locks: held until the server's descriptor closes
// (also on kill -9), and, unlike flock, testable without taking them
// (F_OFD_GETLK), so checking for a server never blocks one from starting.
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

}  // namespace

Result<ServerLock> ServerLock::Acquire(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  std::string path = state_dir + "/server.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail("io", "cannot open " + path + ": " + strerror(errno));
  struct flock lock = WholeFile(F_WRLCK);
  if (fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    pid_t pid = ReadPid(fd);
    close(fd);
    return Fail("busy", "another hpcflow server is already running on " + state_dir +
                            (pid > 0 ? " (pid " + std::to_string(pid) + ")" : ""));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return Fail("io", "cannot write " + path + ": " + strerror(errno));
  }
  return ServerLock(fd);
}

ServerLock::~ServerLock() {
  if (fd_ >= 0) close(fd_);
}

bool ServerLock::IsHeld(const std::string& state_dir, pid_t* pid) {
  std::string path = state_dir + "/server.lock";
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock lock = WholeFile(F_WRLCK);
  bool held = fcntl(fd, F_OFD_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  if (held && pid) *pid = ReadPid(fd);
  close(fd);
  return held;
}

}  // namespace hpcflow::orchestrator
