#include "orchestrator/store/secret_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace hpcflow::orchestrator {

namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kSecretHexChars = 2 * kSecretBytes;
constexpr char kErrorName[] = "hpcflow.Secret";

Unexpected<Error> SecretError(const std::string& path, const std::string& why) {
  return Fail(kErrorName, "secret file " + path + ": " + why);
}

std::string Errno() { return std::strerror(errno); }

Result<std::string> RandomHex() {
  unsigned char bytes[kSecretBytes];
  size_t filled = 0;
  while (filled < sizeof(bytes)) {
    ssize_t n = getrandom(bytes + filled, sizeof(bytes) - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(kErrorName, "cannot get random bytes: " + Errno());
    }
    filled += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

bool IsSecret(const std::string& text) {
  if (text.size() != kSecretHexChars) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

enum class ReadOutcome { kMissing, kIncomplete, kDone };

// Reads an existing secret file. kIncomplete: shorter than a secret, which is
// what a reader sees while another process is between O_EXCL and write().
Result<ReadOutcome> ReadSecret(const std::string& path, std::string& secret) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return ReadOutcome::kMissing;
    if (errno == ELOOP) return SecretError(path, "is a symbolic link; remove it");
    return SecretError(path, "cannot open: " + Errno());
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    std::string why = Errno();
    close(fd);
    return SecretError(path, "cannot stat: " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return SecretError(path, "is not a regular file");
  }
  if (st.st_uid != geteuid()) {
    close(fd);
    return SecretError(path, "is owned by uid " + std::to_string(st.st_uid) +
                                 ", not by this user; remove it and let hpcflow recreate it");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return SecretError(path, std::string("is accessible to group or others (mode ") + mode +
                                 "); anyone who can read it can forge callbacks. Fix: chmod 600 " +
                                 path);
  }
  std::string text;
  char buffer[256];
  while (text.size() <= 4096) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = Errno();
      close(fd);
      return SecretError(path, "cannot read: " + why);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() < kSecretHexChars) return ReadOutcome::kIncomplete;
  if (!IsSecret(text)) {
    return SecretError(path, "does not hold a 64-hex-digit secret; remove it to create a new one");
  }
  secret = text;
  return ReadOutcome::kDone;
}

}  // namespace

Result<std::string> LoadOrCreateSecret(const std::string& path) {
  // A creator writes its secret right after O_EXCL, so an incomplete file is
  // only seen for microseconds; a file still incomplete after this long was
  // left behind by a crash.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (true) {
    std::string secret;
    auto read = ReadSecret(path, secret);
    if (!read) return Fail(read.error());
    if (*read == ReadOutcome::kDone) return secret;
    if (*read == ReadOutcome::kIncomplete) {
      if (std::chrono::steady_clock::now() > deadline) {
        return SecretError(path,
                           "is empty or truncated (a crash while it was created?); remove "
                           "it to create a new one");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    auto fresh = RandomHex();
    if (!fresh) return Fail(fresh.error());
    // 0600 at creation: umask can only remove bits, so there is no moment at
    // which the secret is readable by others.
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // another process won the race: use its secret
      return SecretError(path, "cannot create: " + Errno());
    }
    std::string text = *fresh + "\n";
    size_t written = 0;
    while (written < text.size()) {
      ssize_t n = write(fd, text.data() + written, text.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::string why = Errno();
        close(fd);
        unlink(path.c_str());
        return SecretError(path, "cannot write: " + why);
      }
      written += static_cast<size_t>(n);
    }
    bool synced = fsync(fd) == 0;
    std::string why = synced ? "" : Errno();
    if (close(fd) != 0 && synced) {
      synced = false;
      why = Errno();
    }
    if (!synced) {
      unlink(path.c_str());
      return SecretError(path, "cannot write: " + why);
    }
    return *fresh;
  }
}

}  // namespace hpcflow::orchestrator
