// Linear, non-recursive checks run on a definition's text before a parser
// sees it.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "workflows/source_index.h"

namespace hpcflow::workflows::internal {
namespace {

std::string TooDeepMessage() {
  return "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels";
}

// Tracks the line and column of a byte offset while scanning forwards.
struct LineTracker {
  int line = 1;
  std::size_t line_start = 0;

  void NewlineAt(std::size_t offset) {
    ++line;
    line_start = offset + 1;
  }
  SourceLocation At(std::size_t offset) const {
    return {line, static_cast<int>(offset - line_start + 1)};
  }
};

bool InRange(unsigned char c, unsigned char low, unsigned char high) {
  return c >= low && c <= high;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool IsFlowIndicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

}  // namespace

std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) -> unsigned char {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (InRange(b0, 0xC2, 0xDF)) return InRange(byte(1), 0x80, 0xBF) ? 2 : 0;
  if (InRange(b0, 0xE0, 0xEF)) {
    unsigned char low = b0 == 0xE0 ? 0xA0 : 0x80;
    unsigned char high = b0 == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    return InRange(byte(1), low, high) && InRange(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (InRange(b0, 0xF0, 0xF4)) {
    unsigned char low = b0 == 0xF0 ? 0x90 : 0x80;
    unsigned char high = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return InRange(byte(1), low, high) && InRange(byte(2), 0x80, 0xBF) &&
                   InRange(byte(3), 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

SourceLocation LocationOfOffset(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  LineTracker lines;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') lines.NewlineAt(i);
  }
  return lines.At(offset);
}

std::optional<TextProblem> CheckUtf8(std::string_view text) {
  // Lines are only counted once a problem is found, to keep this fast.
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes, none of them NUL.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      constexpr std::uint64_t kLow = 0x0101010101010101u;
      constexpr std::uint64_t kHigh = 0x8080808080808080u;
      bool has_zero = ((word - kLow) & ~word & kHigh) != 0;
      if ((word & kHigh) == 0 && !has_zero) {
        i += 8;
        continue;
      }
    }
    if (text[i] == '\0') {
      return TextProblem{LocationOfOffset(text, i),
                         "NUL byte in the text; definitions must be UTF-8 text"};
    }
    std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[i]));
      return TextProblem{LocationOfOffset(text, i),
                         std::string("invalid UTF-8 (byte ") + hex + ")"};
    }
    i += length;
  }
  return std::nullopt;
}

std::optional<TextProblem> CheckJsonDepth(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  int depth = 0;
  for (const char* p = begin; p < end; ++p) {
    char c = *p;
    if (c == '"') {
      // Skip the string: find its closing quote, stepping over escapes.
      for (++p; p < end && *p != '"'; ++p) {
        if (*p == '\\') ++p;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNestingDepth) {
        return TextProblem{LocationOfOffset(text, static_cast<std::size_t>(p - begin)),
                           TooDeepMessage()};
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

// A deliberately simple YAML scanner. It follows quoted scalars, comments,
// block scalars and flow collections well enough to count flow nesting in
// ordinary files; when it guesses wrong it only counts wrongly, and the
// parser's own depth limit still applies.
std::optional<TextProblem> CheckYamlFlowDepth(std::string_view text) {
  const std::size_t n = text.size();
  LineTracker lines;
  std::size_t i = 0;
  int flow = 0;             // open flow collections
  bool node_start = true;   // a node (and so a quote or bracket) may begin here
  bool after_space = true;  // for '#': comments need whitespace before them
  bool after_quoted = false;
  // Block context, per line: columns of the last leading "- " / "? " and of
  // the first node, and whether a ": " was seen (so `key: |`).
  int indicator_column = -1;
  int first_node_column = -1;
  bool saw_value = false;

  auto next_is_space = [&](std::size_t k) {
    return k + 1 >= n || IsBlank(text[k + 1]) || text[k + 1] == '\n';
  };
  auto newline = [&](std::size_t at) {
    lines.NewlineAt(at);
    indicator_column = -1;
    first_node_column = -1;
    saw_value = false;
    after_space = true;
    if (flow == 0) node_start = true;
  };
  // Skips a quoted scalar starting at text[i]; false if unterminated.
  auto skip_quoted = [&]() {
    char quote = text[i++];
    while (i < n) {
      char c = text[i];
      if (c == '\n') {
        newline(i);
      } else if (quote == '"' && c == '\\') {
        if (i + 1 < n && text[i + 1] == '\n') newline(i + 1);
        ++i;
      } else if (c == quote) {
        if (quote == '\'' && i + 1 < n && text[i + 1] == '\'') {
          ++i;  // '' is an escaped quote
        } else {
          ++i;
          return true;
        }
      }
      ++i;
    }
    return false;
  };
  // Skips a block scalar whose indicator is at text[i]: the rest of the line,
  // then every blank line or line indented more than `parent`.
  auto skip_block_scalar = [&](int parent) {
    while (i < n && text[i] != '\n') ++i;
    while (i < n) {
      // text[i] is '\n': look at the next line.
      std::size_t j = i + 1;
      while (j < n && text[j] == ' ') ++j;
      std::size_t k = j;
      while (k < n && IsBlank(text[k])) ++k;
      bool blank = k >= n || text[k] == '\n';
      if (!blank && static_cast<int>(j - i - 1) <= parent) break;
      newline(i);
      i = j;
      while (i < n && text[i] != '\n') ++i;
    }
  };

  while (i < n) {
    char c = text[i];
    if (c == '\n') {
      newline(i);
      ++i;
      continue;
    }
    if (IsBlank(c)) {
      after_space = true;
      ++i;
      continue;
    }
    if (c == '#' && after_space) {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    const int column = static_cast<int>(i - lines.line_start);
    const bool was_quoted = after_quoted;
    after_space = false;
    after_quoted = false;

    if (flow > 0) {
      if (c == '[' || c == '{') {
        if (++flow > kMaxNestingDepth) return TextProblem{lines.At(i), TooDeepMessage()};
        node_start = true;
      } else if (c == ']' || c == '}') {
        --flow;
        node_start = false;
      } else if (c == ',') {
        node_start = true;
      } else if (c == ':' &&
                 (was_quoted || next_is_space(i) || (i + 1 < n && IsFlowIndicator(text[i + 1])))) {
        node_start = true;
      } else if (node_start && (c == '"' || c == '\'')) {
        if (!skip_quoted()) return std::nullopt;
        after_quoted = true;
        node_start = false;
        continue;
      } else if (node_start && (c == '&' || c == '!')) {
        while (i < n && !IsBlank(text[i]) && text[i] != '\n' && !IsFlowIndicator(text[i])) ++i;
        continue;
      } else if (node_start && c == '?' && next_is_space(i)) {
        // explicit key: still at a node start
      } else {
        node_start = false;
      }
      ++i;
      continue;
    }

    // Block context.
    if (column == 0 && (text.substr(i, 3) == "---" || text.substr(i, 3) == "...") &&
        next_is_space(i + 2)) {
      node_start = true;  // a document marker; `--- [` starts a node
      i += 3;
      continue;
    }
    if (node_start && (c == '-' || c == '?') && next_is_space(i)) {
      indicator_column = column;
      ++i;
      continue;
    }
    if (c == ':' && next_is_space(i)) {
      saw_value = true;
      node_start = true;
      ++i;
      continue;
    }
    if (!node_start) {
      ++i;
      continue;
    }
    if (first_node_column < 0) first_node_column = column;
    if (c == '[' || c == '{') {
      flow = 1;
      node_start = true;
      ++i;
    } else if (c == '"' || c == '\'') {
      if (!skip_quoted()) return std::nullopt;
      after_quoted = true;
      node_start = false;
    } else if (c == '|' || c == '>') {
      int parent = saw_value               ? first_node_column
                   : indicator_column >= 0 ? indicator_column
                                           : column - 1;
      skip_block_scalar(parent);
    } else if (c == '&' || c == '!') {
      while (i < n && !IsBlank(text[i]) && text[i] != '\n') ++i;
    } else {
      node_start = false;  // a plain scalar or an alias
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace hpcflow::workflows::internal
