// common/files.h and FindInexactInteger, on real files.
#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/json.h"

namespace hpcflow {
namespace {

namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hpcflow-files-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static mode_t ModeOf(const std::string& path) {
    struct stat st {};
    stat(path.c_str(), &st);
    return st.st_mode & 07777;
  }
  std::string dir_;
};

TEST_F(FilesTest, ReadRegularFileRefusesWhatIsNotARegularFile) {
  std::ofstream(dir_ + "/small") << "hello";
  auto small = ReadRegularFile(dir_ + "/small");
  ASSERT_TRUE(small) << small.error().cause;
  EXPECT_EQ(*small, "hello");
  ASSERT_EQ(mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  // A FIFO with no writer would block a plain read forever.
  auto fifo = ReadRegularFile(dir_ + "/fifo");
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().cause.find("a FIFO"), std::string::npos);
  auto zero = ReadRegularFile("/dev/zero");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().cause.find("character device"), std::string::npos);
  EXPECT_FALSE(ReadRegularFile(dir_));
  EXPECT_FALSE(ReadRegularFile(dir_ + "/missing"));
  std::ofstream(dir_ + "/big") << std::string(1000, 'x');
  auto big = ReadRegularFile(dir_ + "/big", 999);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().cause.find("larger than 999 bytes"), std::string::npos);
}

TEST_F(FilesTest, PrivateFilesAndDirectoriesWhateverTheUmask) {
  mode_t old = umask(0);
  ASSERT_TRUE(CreatePrivateDirectories(dir_ + "/x/y/z"));
  ASSERT_TRUE(WritePrivateFile(dir_ + "/x/f", "secret"));
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/x/g", "secret"));
  umask(old);
  for (const char* d : {"/x", "/x/y", "/x/y/z"}) EXPECT_EQ(ModeOf(dir_ + d), 0700u) << d;
  EXPECT_EQ(ModeOf(dir_ + "/x/f"), 0600u);
  EXPECT_EQ(ModeOf(dir_ + "/x/g"), 0600u);
  // An existing file is made private too.
  std::ofstream(dir_ + "/open") << "x";
  chmod((dir_ + "/open").c_str(), 0666);
  ASSERT_TRUE(WritePrivateFile(dir_ + "/open", "y"));
  EXPECT_EQ(ModeOf(dir_ + "/open"), 0600u);
  std::ofstream(dir_ + "/x/y/file") << "x";
  EXPECT_FALSE(CreatePrivateDirectories(dir_ + "/x/y/file/sub"));
  // The one-mkdir path (the parent exists): a new leaf, an existing
  // directory, and a leaf that is a file.
  umask(0022);
  ASSERT_TRUE(CreatePrivateDirectories(dir_ + "/x/y/leaf"));
  EXPECT_EQ(ModeOf(dir_ + "/x/y/leaf"), 0700u);
  EXPECT_TRUE(CreatePrivateDirectories(dir_ + "/x/y/leaf"));
  auto refused = CreatePrivateDirectories(dir_ + "/x/y/file");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().cause.find("is not a directory"), std::string::npos);
  umask(old);
}

TEST_F(FilesTest, RemoveGroupAndOtherAccessWalksTheTree) {
  fs::create_directories(dir_ + "/t/a");
  std::ofstream(dir_ + "/t/a/f") << "x";
  chmod((dir_ + "/t").c_str(), 0755);
  chmod((dir_ + "/t/a").c_str(), 0777);
  chmod((dir_ + "/t/a/f").c_str(), 0644);
  EXPECT_EQ(RemoveGroupAndOtherAccess(dir_ + "/t"), 3u);
  EXPECT_EQ(ModeOf(dir_ + "/t"), 0700u);
  EXPECT_EQ(ModeOf(dir_ + "/t/a"), 0700u);
  EXPECT_EQ(ModeOf(dir_ + "/t/a/f"), 0600u);
}

TEST(FindInexactInteger, IntegersThatDoNotFit64Bits) {
  EXPECT_FALSE(FindInexactInteger(R"({"a": [1, -2, 18446744073709551615, -9223372036854775808]})"));
  EXPECT_EQ(FindInexactInteger("[18446744073709551616]").value_or(""), "18446744073709551616");
  EXPECT_EQ(FindInexactInteger("[-9223372036854775809]").value_or(""), "-9223372036854775809");
  EXPECT_EQ(FindInexactInteger(R"({"x": 1, "y": 99999999999999999999999})").value_or(""),
            "99999999999999999999999");
  EXPECT_FALSE(FindInexactInteger("[1e999, 2.5, 99999999999999999999999.0, 1E30]"));
  EXPECT_FALSE(FindInexactInteger(R"(["99999999999999999999999", "\"123456789012345678901"])"));
  EXPECT_FALSE(FindInexactInteger("[0000000000000000000000000001]"));
}

}  // namespace
}  // namespace hpcflow
