#include "orchestrator/store/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hpcflow::orchestrator {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hpcflow-secret-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name = kTokenKeyFile) { return dir_ + "/" + name; }

  std::string dir_;
};

bool IsHexSecret(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST_F(SecretFileTest, CreatesOwnerOnlyFileAndReadsItBack) {
  auto secret = LoadOrCreateSecret(Path());
  ASSERT_TRUE(secret) << secret.error().cause;
  EXPECT_TRUE(IsHexSecret(*secret)) << *secret;
  struct stat st {};
  ASSERT_EQ(stat(Path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateSecret(Path());
  ASSERT_TRUE(again) << again.error().cause;
  EXPECT_EQ(*again, *secret);
  auto control = LoadOrCreateSecret(Path(kControlKeyFile));
  ASSERT_TRUE(control);
  EXPECT_NE(*control, *secret);
}

TEST_F(SecretFileTest, IgnoresUmask) {
  mode_t old = umask(0);
  auto secret = LoadOrCreateSecret(Path());
  umask(old);
  ASSERT_TRUE(secret);
  struct stat st {};
  ASSERT_EQ(stat(Path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SecretFileTest, RefusesGroupOrOtherAccessibleFile) {
  ASSERT_TRUE(LoadOrCreateSecret(Path()));
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    ASSERT_EQ(chmod(Path().c_str(), mode), 0);
    auto secret = LoadOrCreateSecret(Path());
    ASSERT_FALSE(secret) << std::oct << mode;
    EXPECT_EQ(secret.error().name, "hpcflow.Secret");
    EXPECT_NE(secret.error().cause.find(Path()), std::string::npos) << secret.error().cause;
    EXPECT_NE(secret.error().cause.find("chmod 600"), std::string::npos) << secret.error().cause;
  }
  ASSERT_EQ(chmod(Path().c_str(), 0600), 0);
  EXPECT_TRUE(LoadOrCreateSecret(Path()));
}

TEST_F(SecretFileTest, RefusesGarbageAndSymlinksAndMissingDirectory) {
  {
    std::ofstream out(Path());
    out << "not a secret, but long enough to not look like a file being written ............";
  }
  chmod(Path().c_str(), 0600);
  auto garbage = LoadOrCreateSecret(Path());
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().cause.find("64-hex-digit"), std::string::npos);

  ASSERT_EQ(symlink(Path().c_str(), Path("link").c_str()), 0);
  auto link = LoadOrCreateSecret(Path("link"));
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().cause.find("symbolic link"), std::string::npos) << link.error().cause;

  auto missing = LoadOrCreateSecret(dir_ + "/no/such/dir/token.key");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().cause.find("no/such/dir"), std::string::npos);
}

TEST_F(SecretFileTest, WaitsForAFileBeingWritten) {
  // What a second process sees between the creator's O_EXCL and its write().
  int fd = open(Path().c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  const std::string expected(64, 'c');
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ASSERT_EQ(write(fd, (expected + "\n").data(), 65), 65);
    close(fd);
  });
  auto secret = LoadOrCreateSecret(Path());
  writer.join();
  ASSERT_TRUE(secret) << secret.error().cause;
  EXPECT_EQ(*secret, expected);
}

TEST_F(SecretFileTest, EmptyFileLeftByACrashIsReported) {
  int fd = open(Path().c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  auto secret = LoadOrCreateSecret(Path());
  ASSERT_FALSE(secret);
  EXPECT_NE(secret.error().cause.find("empty or truncated"), std::string::npos);
  EXPECT_NE(secret.error().cause.find(Path()), std::string::npos);
}

TEST_F(SecretFileTest, ConcurrentThreadsAgree) {
  for (int round = 0; round < 20; ++round) {
    std::string path = Path("race" + std::to_string(round));
    std::vector<std::string> results(8);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back([&, i] {
        auto secret = LoadOrCreateSecret(path);
        results[i] = secret ? *secret : "error: " + secret.error().cause;
      });
    }
    for (auto& t : threads) t.join();
    std::set<std::string> distinct(results.begin(), results.end());
    ASSERT_EQ(distinct.size(), 1u) << *distinct.begin() << " vs " << *distinct.rbegin();
    EXPECT_TRUE(IsHexSecret(results[0])) << results[0];
  }
}

TEST_F(SecretFileTest, ConcurrentProcessesAgree) {
  constexpr int kProcesses = 6;
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < kProcesses; ++i) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      auto secret = LoadOrCreateSecret(Path());
      std::string out = secret ? *secret : "error: " + secret.error().cause;
      ssize_t ignored = write(fds[1], out.data(), out.size());
      (void)ignored;
      _exit(secret ? 0 : 1);
    }
    close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }
  std::set<std::string> distinct;
  for (auto [pid, fd] : children) {
    std::string out;
    char buffer[256];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    distinct.insert(out);
  }
  ASSERT_EQ(distinct.size(), 1u);
  auto mine = LoadOrCreateSecret(Path());
  ASSERT_TRUE(mine);
  EXPECT_EQ(*mine, *distinct.begin());
}

}  // namespace
}  // namespace hpcflow::orchestrator
