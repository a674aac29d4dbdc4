#include "orchestrator/client/server_launcher.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "orchestrator/store/server_lock.h"

namespace hpcflow::orchestrator {

std::string ServerLogFile(const std::string& state_dir) { return state_dir + "/server.log"; }

Result<pid_t> EnsureServerRunning(const std::string& state_dir, const std::string& binary) {
  pid_t pid = 0;
  if (ServerLock::IsHeld(state_dir, &pid)) return pid;
  std::string log = ServerLogFile(state_dir);
  pid_t child = fork();
  if (child < 0) return Fail("io", "cannot start a server: fork failed");
  if (child == 0) {
    // Detached twice: the server outlives this process and is no child of it.
    setsid();
    if (fork() != 0) _exit(0);
    int devnull = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (out >= 0) {
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
    }
    execl(binary.c_str(), binary.c_str(), "server", "--state-dir", state_dir.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  // Wait briefly for it to take the lock, so the next call sees it.
  for (int i = 0; i < 100 && !ServerLock::IsHeld(state_dir); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (ServerLock::IsHeld(state_dir, &pid)) return pid;
  return Fail("io", "the server did not start; see " + log);
}

}  // namespace hpcflow::orchestrator
