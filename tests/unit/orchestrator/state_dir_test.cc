// PrepareStateDir: the state directory's access rule, on real directories.
#include "orchestrator/store/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hpcflow::orchestrator {
namespace {

namespace fs = std::filesystem;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hpcflow-statedir-XXXXXX").string();
    base_ = mkdtemp(pattern.data());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  static mode_t ModeOf(const std::string& path) {
    struct stat st {};
    stat(path.c_str(), &st);
    return st.st_mode & 07777;
  }
  std::string base_;
};

TEST_F(StateDirTest, ANewOneIsOwnerOnlyWhateverTheUmask) {
  mode_t old = umask(0);
  std::string dir = base_ + "/a/b/state";
  EXPECT_TRUE(PrepareStateDir(dir));
  umask(old);
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(base_ + "/a"), 0700u);
  EXPECT_EQ(ModeOf(base_ + "/a/b"), 0700u);
}

TEST_F(StateDirTest, AnOpenOneOfOursIsTightenedWithItsContents) {
  std::string dir = base_ + "/state";
  fs::create_directories(dir + "/executions/e1");
  std::ofstream(dir + "/hpcflow.db") << "x";
  chmod(dir.c_str(), 0755);
  chmod((dir + "/executions/e1").c_str(), 0755);
  chmod((dir + "/hpcflow.db").c_str(), 0644);
  EXPECT_TRUE(PrepareStateDir(dir));
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/executions/e1"), 0700u);
  EXPECT_EQ(ModeOf(dir + "/hpcflow.db"), 0600u);
}

TEST_F(StateDirTest, AnEmptyOpenOneIsTightened) {
  std::string dir = base_ + "/empty";
  fs::create_directory(dir);
  chmod(dir.c_str(), 0777);
  EXPECT_TRUE(PrepareStateDir(dir));
  EXPECT_EQ(ModeOf(dir), 0700u);
}

TEST_F(StateDirTest, AnOpenDirectoryThatIsNotHpcflowsIsRefusedAndLeftAlone) {
  std::string dir = base_ + "/shared";
  fs::create_directory(dir);
  std::ofstream(dir + "/notes.txt") << "someone's";
  chmod(dir.c_str(), 01777);
  auto prepared = PrepareStateDir(dir);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().name, "store");
  EXPECT_NE(prepared.error().cause.find("open to group or others"), std::string::npos);
  EXPECT_NE(prepared.error().cause.find("chmod 700"), std::string::npos);
  EXPECT_EQ(ModeOf(dir), 01777u);
}

TEST_F(StateDirTest, AFileIsNotAStateDirectory) {
  std::string file = base_ + "/file";
  std::ofstream(file) << "x";
  auto prepared = PrepareStateDir(file);
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().cause.find("not a directory"), std::string::npos);
}

TEST_F(StateDirTest, AnotherUsersDirectoryIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  std::string dir = base_ + "/theirs";
  fs::create_directory(dir);
  chmod(dir.c_str(), 0700);
  ASSERT_EQ(chown(dir.c_str(), 65534, 65534), 0);
  auto prepared = PrepareStateDir(dir);
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().cause.find("belongs to"), std::string::npos);
}

}  // namespace
}  // namespace hpcflow::orchestrator
