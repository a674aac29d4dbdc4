#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace hpcflow {

namespace {

std::string Errno() { return std::strerror(errno); }

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Status CreatePrivateDirectories(const std::string& path) {
  if (path.empty()) return Fail("io", "cannot create a directory with an empty name");
  // Usually the parent exists (a job directory in its execution's): one
  // mkdir, not one per level (every job pays for this).
  if (mkdir(path.c_str(), 0700) == 0) {
    if (chmod(path.c_str(), 0700) != 0) {
      return Fail("io", "cannot set the mode of '" + path + "': " + Errno());
    }
    return {};
  }
  if (errno == EEXIST) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
    return Fail("io", "cannot create '" + path + "': '" + path + "' is not a directory");
  }
  if (errno != ENOENT) return Fail("io", "cannot create '" + path + "': " + Errno());
  // Walk down from the root, creating what is missing: each mkdir gets 0700
  // and a chmod, since the umask may have removed bits but never adds any,
  // while an odd umask (077 is fine, 0777 too) must not leave us 0000.
  std::string partial;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    partial = path.substr(0, slash);
    pos = slash + 1;
    if (partial.empty() || partial == "." || partial == "..") continue;
    if (mkdir(partial.c_str(), 0700) == 0) {
      if (chmod(partial.c_str(), 0700) != 0) {
        return Fail("io", "cannot set the mode of '" + partial + "': " + Errno());
      }
      continue;
    }
    if (errno != EEXIST) return Fail("io", "cannot create '" + partial + "': " + Errno());
    struct stat st {};
    if (stat(partial.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Fail("io", "cannot create '" + path + "': '" + partial + "' is not a directory");
    }
  }
  return {};
}

Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Fail("io", "cannot open '" + path + "': " + Errno());
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    std::string why = Errno();
    close(fd);
    return Fail("io", "cannot stat '" + path + "': " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Fail("io", "'" + path + "' is " + KindOf(st.st_mode) + ", not a regular file");
  }
  auto too_large = [&] {
    return Fail("io", "'" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return too_large();
  }
  // Regular files ignore O_NONBLOCK; clear it anyway for file systems that
  // do not (some FUSE ones).
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buffer[65536];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = Errno();
      close(fd);
      return Fail("io", "cannot read '" + path + "': " + why);
    }
    if (n == 0) break;
    // The file may grow while it is read (/proc files report size 0).
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      close(fd);
      return too_large();
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

Status WritePrivateFile(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Fail("io", "cannot create '" + path + "': " + Errno());
  // A file that existed keeps its mode through O_CREAT: make it ours alone.
  (void)fchmod(fd, 0600);
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = Errno();
      close(fd);
      return Fail("io", "cannot write '" + path + "': " + why);
    }
    written += static_cast<size_t>(n);
  }
  if (close(fd) != 0) return Fail("io", "cannot write '" + path + "': " + Errno());
  return {};
}

size_t RemoveGroupAndOtherAccess(const std::string& path) {
  namespace fs = std::filesystem;
  size_t changed = 0;
  auto tighten = [&](const fs::path& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
    if ((st.st_mode & 077) == 0) return;
    if (chmod(p.c_str(), st.st_mode & 07700) == 0) ++changed;
  };
  tighten(path);
  std::error_code ec;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) tighten(it->path());
  return changed;
}

void UsePrivateUmask() {
  mode_t previous = umask(077);
  if (std::getenv("HPCFLOW_USER_UMASK") == nullptr) {
    char text[8];
    std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(previous));
    setenv("HPCFLOW_USER_UMASK", text, 1);
  }
}

int UserUmask() {
  if (const char* text = std::getenv("HPCFLOW_USER_UMASK")) {
    char* end = nullptr;
    long value = std::strtol(text, &end, 8);
    if (end != text && *end == '\0' && value >= 0 && value <= 0777) return static_cast<int>(value);
  }
  mode_t current = umask(077);
  umask(current);
  return static_cast<int>(current);
}

}  // namespace hpcflow
