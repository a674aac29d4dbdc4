#include "orchestrator/store/state_dir.h"

#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "common/files.h"

namespace hpcflow::orchestrator {

namespace {

std::string Mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string UserName(uid_t uid) {
  struct passwd* pw = getpwuid(uid);
  std::string id = "uid " + std::to_string(uid);
  return pw != nullptr && pw->pw_name != nullptr ? std::string(pw->pw_name) + " (" + id + ")" : id;
}

// True when the directory holds what hpcflow keeps in a state directory,
// or nothing at all: then tightening it takes nothing from anyone else.
bool IsHpcflowDirectory(const std::string& dir) {
  static const char* const kMarks[] = {"hpcflow.db", "server.lock", "token.key", "control.key",
                                       "executions"};
  for (const char* mark : kMarks) {
    struct stat st {};
    if (lstat((dir + "/" + mark).c_str(), &st) == 0) return true;
  }
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  bool empty = true;
  while (struct dirent* entry = readdir(d)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

}  // namespace

Status PrepareStateDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Fail("store", "cannot use the state directory '" + dir + "': " + std::strerror(errno));
    }
    if (auto s = CreatePrivateDirectories(dir); !s) {
      return Fail("store", "cannot create the state directory: " + s.error().cause);
    }
    return {};
  }
  if (!S_ISDIR(st.st_mode)) {
    return Fail("store", "the state directory '" + dir + "' is not a directory");
  }
  if (st.st_uid != geteuid()) {
    return Fail("store", "the state directory '" + dir + "' belongs to " + UserName(st.st_uid) +
                             ", not to you (" + UserName(geteuid()) +
                             "): it holds task tokens and secrets, so each user needs a state "
                             "directory of their own (--state-dir DIR or $HPCFLOW_HOME)");
  }
  if ((st.st_mode & 077) == 0) return {};
  if (!IsHpcflowDirectory(dir)) {
    return Fail("store",
                "the state directory '" + dir + "' is open to group or others (mode " +
                    Mode(st.st_mode) +
                    ") and is not one hpcflow made: anyone who can read it could read task "
                    "tokens and complete tasks. Use a private directory: a new --state-dir, or "
                    "chmod 700 '" +
                    dir + "'");
  }
  if (chmod(dir.c_str(), 0700) != 0) {
    return Fail("store", "the state directory '" + dir + "' is open to group or others (mode " +
                             Mode(st.st_mode) + ") and cannot be tightened: " +
                             std::strerror(errno) + ". Fix: chmod 700 '" + dir + "'");
  }
  size_t changed = RemoveGroupAndOtherAccess(dir);
  std::cerr << "hpcflow: note: the state directory " << dir << " was open to group or others (mode "
            << Mode(st.st_mode) << "); it holds task tokens, so it is now owner-only (0700, "
            << changed << " entries tightened)\n";
  return {};
}

std::string DefaultStateDir() {
  if (const char* home = std::getenv("HPCFLOW_HOME"); home && *home) return home;
  if (const char* user_home = std::getenv("HOME"); user_home && *user_home) {
    return std::string(user_home) + "/.hpcflow";
  }
  return ".hpcflow";
}

std::string ResolveStateDirPath(const std::string& dir) {
  std::string chosen = dir.empty() ? DefaultStateDir() : dir;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(chosen, ec);
  if (ec) return chosen;  // no working directory: leave it to the open to complain
  std::string normal = absolute.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

}  // namespace hpcflow::orchestrator
