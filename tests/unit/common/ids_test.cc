#include "common/ids.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>

namespace hpcflow {
namespace {

TEST(IdsTest, UuidsAreVersion4AndDistinct) {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    std::string id = NewUuid();
    ASSERT_TRUE(std::regex_match(id, shape)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated " << id;
  }
}

// The generator is per thread and seeded once: a forked process (the job
// launcher's wrappers are forks) must not repeat the ids its parent makes.
TEST(IdsTest, AForkedProcessDoesNotRepeatItsParentsIds) {
  (void)NewUuid();  // seeded here, before the fork
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  if (child == 0) {
    std::string id = NewUuid();
    ssize_t n = write(out[1], id.data(), id.size());
    _exit(n == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(out[1]);
  std::string parent_id = NewUuid();
  char buffer[64] = {};
  ssize_t n = read(out[0], buffer, sizeof(buffer) - 1);
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buffer, static_cast<size_t>(n)), parent_id);
}

}  // namespace
}  // namespace hpcflow
