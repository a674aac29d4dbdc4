#include "common/json.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/files.h"

namespace hpcflow {

namespace {

// Deeper documents are refused: nlohmann copies, compares and prints values
// recursively, and deep scans over deep values grow with the square of the
// depth. No real workflow input comes close.
constexpr int kMaxJsonDepth = 512;

// The index of the quote that closes the JSON string opening at `quote` (or
// text.size() when it is not closed): the scans below skip strings whole.
size_t EndOfString(std::string_view text, size_t quote) {
  for (size_t i = quote + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i;
    }
  }
  return text.size();
}

}  // namespace

int JsonNestingDepth(std::string_view text, int limit) {
  int depth = 0, max_depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      i = EndOfString(text, i);
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

std::optional<std::string> FindInexactInteger(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      i = EndOfString(text, i);
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    size_t start = i;
    bool negative = c == '-';
    if (negative) ++i;
    size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    std::string_view digits = text.substr(digits_start, i - digits_start);
    bool integral = i >= text.size() || (text[i] != '.' && text[i] != 'e' && text[i] != 'E');
    // Skip the rest of a floating-point literal.
    while (i < text.size() &&
           (text[i] == '.' || text[i] == 'e' || text[i] == 'E' || text[i] == '+' ||
            text[i] == '-' || (text[i] >= '0' && text[i] <= '9'))) {
      ++i;
    }
    std::string_view token = text.substr(start, i - start);
    --i;
    if (!integral || digits.empty()) continue;
    while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
    // 18446744073709551615 (uint64 max), 9223372036854775808 (-int64 min).
    std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) {
      return std::string(token);
    }
  }
  return std::nullopt;
}

Result<Json> ParseJson(std::string_view text) {
  if (JsonNestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    return Fail("parse", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message already says "at line L, column C".
    std::string message = e.what();
    if (auto pos = message.find("] "); pos != std::string::npos) {
      message = message.substr(pos + 2);
    }
    return Fail("parse", message);
  }
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string DumpJsonPretty(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("io", "cannot open '" + path + "'");
  std::ostringstream buffer;
  try {
    // A failing read(2) (EIO, or ESRCH on /proc) throws from the buffer.
    buffer << in.rdbuf();
  } catch (const std::exception& e) {
    return Fail("io", "cannot read '" + path + "': " + e.what());
  }
  if (in.bad()) return Fail("io", "cannot read '" + path + "'");
  return buffer.str();
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  // Owner-only, like everything hpcflow writes: job specs hold task tokens.
  if (auto s = WritePrivateFile(tmp, content); !s) {
    std::remove(tmp.c_str());
    return s;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    std::remove(tmp.c_str());
    return Fail("io", "cannot rename " + tmp + " to " + path + ": " + std::strerror(saved));
  }
  return {};
}

}  // namespace hpcflow
