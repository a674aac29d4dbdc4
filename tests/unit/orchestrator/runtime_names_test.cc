// Names derived from execution ids (job directories, job names) and how
// names are shown on a terminal.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "orchestrator/runtime/runtime_util.h"
#include "orchestrator/store/execution_json.h"

namespace hpcflow::orchestrator {
namespace {

TEST(UniqueSafeName, DistinctIdsGetDistinctNames) {
  // Characters mapped to '_' alike.
  EXPECT_NE(UniqueSafeName("run:1"), UniqueSafeName("run_1"));
  EXPECT_NE(UniqueSafeName("a/b"), UniqueSafeName("a b"));
  // A deep chain of child ids: equal for far more than 80 characters.
  std::set<std::string> names;
  std::string id = "5f0c7d1e-8a1b-4c3d-9e2f-0123456789ab";
  for (int depth = 0; depth < 40; ++depth) {
    id = ChildExecutionId(id, 3);
    names.insert(UniqueSafeName(id));
  }
  EXPECT_EQ(names.size(), 40u);
}

TEST(UniqueSafeName, StableShortAndFileSafe) {
  std::string long_id(500, 'x');
  long_id += "\n/..\\";
  std::string name = UniqueSafeName(long_id);
  EXPECT_EQ(name, UniqueSafeName(long_id));
  EXPECT_LE(name.size(), 40u + 1 + 24);
  EXPECT_EQ(
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"),
      std::string::npos)
      << name;
  EXPECT_EQ(UniqueSafeName("quick").rfind("quick-", 0), 0u);
}

TEST(TerminalSafe, ControlCharactersAreShownEscaped) {
  EXPECT_EQ(TerminalSafe("plain ü name"), "plain ü name");
  EXPECT_EQ(TerminalSafe("evil\x1b]0;owned\x07"), "evil\\x1b]0;owned\\x07");
  EXPECT_EQ(TerminalSafe("a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
  // U+009B (CSI in the C1 range), in UTF-8.
  EXPECT_EQ(TerminalSafe("x\xc2\x9b"
                         "2J"),
            "x\\x9b2J");
}

}  // namespace
}  // namespace hpcflow::orchestrator
