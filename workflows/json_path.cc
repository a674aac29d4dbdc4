#include "workflows/json_path.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <variant>

#include <nlohmann/json.hpp>

#include "workflows/json_path_filter.h"

namespace hpcflow::workflows {

namespace {

// Deep scans and filters can visit every node of a document; a limit on the
// matches collected keeps a pathological path over a huge input bounded.
constexpr size_t kMaxMatches = 10'000'000;

// A filter may hold paths that hold filters (`$[?(@.a[?(@.b)])]`). Parsing,
// evaluating and destroying such a path recurse once per level, and the
// filter parser's own depth limit restarts at each level, so the levels are
// bounded here: a 64 KB path of `[?(@` repeated overflowed the stack.
constexpr int kMaxFilterNesting = 16;
thread_local int filter_nesting = 0;

struct FilterNestingGuard {
  FilterNestingGuard() { ++filter_nesting; }
  ~FilterNestingGuard() { --filter_nesting; }
};

}  // namespace

struct FieldSeg {
  std::string name;
};
struct IndexSeg {
  int64_t index;
};
struct WildcardSeg {};
struct SliceSeg {
  std::optional<int64_t> start, end;
  int64_t step = 1;
};
struct UnionSeg {
  std::vector<std::string> names;
  std::vector<int64_t> indexes;
};
struct DeepScanSeg {
  // Empty name with wildcard=true means `..*`.
  std::string name;
  bool wildcard = false;
};
struct FilterSeg {
  std::shared_ptr<const FilterExpr> expr;
};

struct PathSegment {
  std::variant<FieldSeg, IndexSeg, WildcardSeg, SliceSeg, UnionSeg, DeepScanSeg, FilterSeg> v;
};

const Json& SimplePathEnv::Context() const {
  static const Json kEmpty = Json::object();
  return context_ ? *context_ : kEmpty;
}

const Json* SimplePathEnv::Variable(std::string_view name) const {
  if (!variables_ || !variables_->is_object()) return nullptr;
  auto it = variables_->find(std::string(name));
  return it == variables_->end() ? nullptr : &*it;
}

JsonPath::JsonPath(const JsonPath&) = default;
JsonPath::JsonPath(JsonPath&&) noexcept = default;
JsonPath& JsonPath::operator=(const JsonPath&) = default;
JsonPath& JsonPath::operator=(JsonPath&&) noexcept = default;
JsonPath::~JsonPath() = default;

bool JsonPath::is_root_only() const { return segments_.empty(); }

namespace {

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// A small cursor over the path text, shared by the path and filter parsers.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance(size_t n = 1) { pos_ += n; }
  size_t pos() const { return pos_; }
  void SkipSpaces() {
    while (!done() && (peek() == ' ' || peek() == '\t')) advance();
  }
  bool Consume(char c) {
    if (peek() == c) {
      advance();
      return true;
    }
    return false;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Error PathError(std::string_view text, size_t pos, const std::string& what) {
  return Error{"States.Runtime", "invalid JSONPath '" + std::string(text) + "': " + what +
                                     " at offset " + std::to_string(pos)};
}

// Reads a quoted name ('...' or "..."). The cursor is on the opening quote.
// A backslash escapes the same quote character or a backslash; any other
// backslash is kept, as Jayway (and so AWS) does.
std::optional<std::string> ReadQuoted(Cursor& c) {
  char quote = c.peek();
  c.advance();
  std::string out;
  while (!c.done()) {
    char ch = c.peek();
    if (ch == '\\' && (c.peek(1) == quote)) {
      out += quote;
      c.advance(2);
      continue;
    }
    if (ch == quote) {
      c.advance();
      return out;
    }
    out += ch;
    c.advance();
  }
  return std::nullopt;
}

std::optional<int64_t> ReadInt(Cursor& c) {
  c.SkipSpaces();
  bool negative = c.Consume('-');
  if (!(c.peek() >= '0' && c.peek() <= '9')) return std::nullopt;
  int64_t value = 0;
  while (c.peek() >= '0' && c.peek() <= '9') {
    if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
    value = value * 10 + (c.peek() - '0');
    c.advance();
  }
  c.SkipSpaces();
  return negative ? -value : value;
}

// Parses the inside of `[...]`; the cursor is just past '['.
Result<PathSegment> ParseBracket(Cursor& c, std::string_view text) {
  c.SkipSpaces();
  if (c.peek() == '*') {
    c.advance();
    c.SkipSpaces();
    if (!c.Consume(']')) return Fail(PathError(text, c.pos(), "expected ']'"));
    return PathSegment{WildcardSeg{}};
  }
  if (c.peek() == '?') {
    c.advance();
    c.SkipSpaces();
    if (!c.Consume('(')) return Fail(PathError(text, c.pos(), "expected '(' after '?'"));
    size_t start = c.pos();
    // Find the matching ')' honouring quotes and nesting.
    int depth = 1;
    char quote = 0;
    while (!c.done() && depth > 0) {
      char ch = c.peek();
      if (quote) {
        if (ch == '\\') {
          c.advance();
        } else if (ch == quote) {
          quote = 0;
        }
      } else if (ch == '\'' || ch == '"') {
        quote = ch;
      } else if (ch == '(') {
        ++depth;
      } else if (ch == ')') {
        --depth;
      }
      c.advance();
    }
    if (depth != 0) return Fail(PathError(text, c.pos(), "unterminated filter"));
    std::string_view body = text.substr(start, c.pos() - 1 - start);
    if (filter_nesting >= kMaxFilterNesting) {
      return Fail(PathError(text, start, "filters nested too deeply"));
    }
    FilterNestingGuard guard;
    auto expr = ParseFilterExpr(body);
    if (!expr) return Fail(PathError(text, start, expr.error().cause));
    c.SkipSpaces();
    if (!c.Consume(']')) return Fail(PathError(text, c.pos(), "expected ']'"));
    return PathSegment{FilterSeg{std::move(*expr)}};
  }
  if (c.peek() == '\'' || c.peek() == '"') {
    UnionSeg u;
    while (true) {
      c.SkipSpaces();
      if (c.peek() != '\'' && c.peek() != '"') {
        return Fail(PathError(text, c.pos(), "expected a quoted name"));
      }
      auto name = ReadQuoted(c);
      if (!name) return Fail(PathError(text, c.pos(), "unterminated quoted name"));
      u.names.push_back(std::move(*name));
      c.SkipSpaces();
      if (c.Consume(']')) break;
      if (!c.Consume(',')) return Fail(PathError(text, c.pos(), "expected ',' or ']'"));
    }
    if (u.names.size() == 1) return PathSegment{FieldSeg{std::move(u.names[0])}};
    return PathSegment{std::move(u)};
  }
  // Index, union of indexes, or slice.
  std::optional<int64_t> first;
  if (c.peek() != ':') {
    first = ReadInt(c);
    if (!first) return Fail(PathError(text, c.pos(), "expected an index"));
  }
  if (c.peek() == ':') {
    SliceSeg s;
    s.start = first;
    c.advance();
    c.SkipSpaces();
    if (c.peek() != ':' && c.peek() != ']') {
      s.end = ReadInt(c);
      if (!s.end) return Fail(PathError(text, c.pos(), "expected a slice end"));
    }
    if (c.Consume(':')) {
      c.SkipSpaces();
      if (c.peek() != ']') {
        auto step = ReadInt(c);
        if (!step || *step == 0) return Fail(PathError(text, c.pos(), "bad slice step"));
        s.step = *step;
      }
    }
    if (!c.Consume(']')) return Fail(PathError(text, c.pos(), "expected ']'"));
    return PathSegment{s};
  }
  if (c.Consume(']')) return PathSegment{IndexSeg{*first}};
  UnionSeg u;
  u.indexes.push_back(*first);
  while (c.Consume(',')) {
    auto next = ReadInt(c);
    if (!next) return Fail(PathError(text, c.pos(), "expected an index"));
    u.indexes.push_back(*next);
  }
  if (!c.Consume(']')) return Fail(PathError(text, c.pos(), "expected ']'"));
  return PathSegment{std::move(u)};
}

// Reads a dotted field name: everything up to the next '.' or '['.
std::string ReadDottedName(Cursor& c) {
  std::string name;
  while (!c.done() && c.peek() != '.' && c.peek() != '[') {
    name += c.peek();
    c.advance();
  }
  return name;
}

bool IsDefinite(const PathSegment& s) {
  return std::holds_alternative<FieldSeg>(s.v) || std::holds_alternative<IndexSeg>(s.v);
}

// Resolves a possibly negative index against an array's size.
std::optional<size_t> NormalizeIndex(int64_t index, size_t size) {
  if (index < 0) index += static_cast<int64_t>(size);
  if (index < 0 || static_cast<size_t>(index) >= size) return std::nullopt;
  return static_cast<size_t>(index);
}

void CollectDeep(const Json& node, const DeepScanSeg& seg, std::vector<const Json*>& out) {
  // Iterative pre-order walk: deep documents must not overflow the stack.
  std::vector<const Json*> stack{&node};
  while (!stack.empty() && out.size() < kMaxMatches) {
    const Json* cur = stack.back();
    stack.pop_back();
    std::vector<const Json*> children;
    if (cur->is_object()) {
      for (auto it = cur->begin(); it != cur->end(); ++it) {
        if (seg.wildcard || it.key() == seg.name) out.push_back(&*it);
        if (it->is_structured()) children.push_back(&*it);
      }
    } else if (cur->is_array()) {
      for (const auto& child : *cur) {
        if (seg.wildcard) out.push_back(&child);
        if (child.is_structured()) children.push_back(&child);
      }
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
  }
}

void ApplySegment(const PathSegment& seg, const Json& root, const std::vector<const Json*>& in,
                  std::vector<const Json*>& out) {
  for (const Json* node : in) {
    if (out.size() >= kMaxMatches) return;
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, FieldSeg>) {
            if (node->is_object()) {
              auto it = node->find(s.name);
              if (it != node->end()) out.push_back(&*it);
            }
          } else if constexpr (std::is_same_v<T, IndexSeg>) {
            if (node->is_array()) {
              if (auto i = NormalizeIndex(s.index, node->size())) out.push_back(&(*node)[*i]);
            }
          } else if constexpr (std::is_same_v<T, WildcardSeg>) {
            if (node->is_structured()) {
              for (const auto& child : *node) out.push_back(&child);
            }
          } else if constexpr (std::is_same_v<T, SliceSeg>) {
            if (!node->is_array()) return;
            int64_t size = static_cast<int64_t>(node->size());
            auto clamp = [size](int64_t v) {
              if (v < 0) v += size;
              return std::clamp<int64_t>(v, 0, size);
            };
            if (s.step > 0) {
              int64_t from = s.start ? clamp(*s.start) : 0;
              int64_t to = s.end ? clamp(*s.end) : size;
              for (int64_t i = from; i < to; i += s.step) out.push_back(&(*node)[i]);
            } else {
              int64_t from = s.start ? std::min(clamp(*s.start), size - 1) : size - 1;
              int64_t to = s.end ? clamp(*s.end) : -1;
              for (int64_t i = from; i > to; i += s.step) out.push_back(&(*node)[i]);
            }
          } else if constexpr (std::is_same_v<T, UnionSeg>) {
            if (node->is_object()) {
              for (const auto& name : s.names) {
                auto it = node->find(name);
                if (it != node->end()) out.push_back(&*it);
              }
            } else if (node->is_array()) {
              for (int64_t index : s.indexes) {
                if (auto i = NormalizeIndex(index, node->size())) out.push_back(&(*node)[*i]);
              }
            }
          } else if constexpr (std::is_same_v<T, DeepScanSeg>) {
            CollectDeep(*node, s, out);
          } else if constexpr (std::is_same_v<T, FilterSeg>) {
            if (node->is_array()) {
              for (const auto& child : *node) {
                if (EvaluateFilter(*s.expr, child, root)) out.push_back(&child);
              }
            } else if (node->is_object()) {
              for (const auto& child : *node) {
                if (EvaluateFilter(*s.expr, child, root)) out.push_back(&child);
              }
            }
          }
        },
        seg.v);
  }
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  // Blanks around a path are no part of it: AWS accepts "$$.Execution.Name "
  // (as the seed TestRunner writes it), as its JSONPath library trims them.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  Cursor c(text);
  if (!c.Consume('$')) return Fail(PathError(text, 0, "a path must start with '$'"));
  if (c.Consume('$')) {
    path.root_ = Root::kContext;
  } else if (IsIdentChar(c.peek())) {
    path.root_ = Root::kVariable;
    while (!c.done() && IsIdentChar(c.peek())) {
      path.variable_ += c.peek();
      c.advance();
    }
  }
  while (!c.done()) {
    if (c.Consume('.')) {
      if (c.Consume('.')) {
        DeepScanSeg deep;
        if (c.Consume('*')) {
          deep.wildcard = true;
        } else if (c.peek() == '[') {
          // `..[...]` is a deep scan followed by a bracket segment.
          deep.wildcard = true;
          path.segments_.push_back(PathSegment{deep});
          continue;
        } else {
          deep.name = ReadDottedName(c);
          if (deep.name.empty())
            return Fail(PathError(text, c.pos(), "expected a name after '..'"));
        }
        path.segments_.push_back(PathSegment{deep});
        continue;
      }
      if (c.Consume('*')) {
        path.segments_.push_back(PathSegment{WildcardSeg{}});
        continue;
      }
      std::string name = ReadDottedName(c);
      if (name.empty()) return Fail(PathError(text, c.pos(), "expected a name after '.'"));
      path.segments_.push_back(PathSegment{FieldSeg{std::move(name)}});
      continue;
    }
    if (c.Consume('[')) {
      auto seg = ParseBracket(c, text);
      if (!seg) return Fail(seg.error());
      path.segments_.push_back(std::move(*seg));
      continue;
    }
    return Fail(PathError(text, c.pos(), std::string("unexpected '") + c.peek() + "'"));
  }
  path.definite_ = std::all_of(path.segments_.begin(), path.segments_.end(), IsDefinite);
  return path;
}

std::string JsonPath::Canonical() const {
  std::string out = root_ == Root::kContext    ? "$$"
                    : root_ == Root::kVariable ? "$" + variable_
                                               : "$";
  for (const auto& seg : segments_) {
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, FieldSeg>) {
            out += "['" + s.name + "']";
          } else if constexpr (std::is_same_v<T, IndexSeg>) {
            // Appended piece by piece: "[" + std::to_string(...) trips a
            // false -Wrestrict warning in GCC 12.
            out += '[';
            out += std::to_string(s.index);
            out += ']';
          } else if constexpr (std::is_same_v<T, WildcardSeg>) {
            out += "[*]";
          } else if constexpr (std::is_same_v<T, SliceSeg>) {
            out += '[';
            if (s.start) out += std::to_string(*s.start);
            out += ':';
            if (s.end) out += std::to_string(*s.end);
            out += ']';
          } else if constexpr (std::is_same_v<T, UnionSeg>) {
            out += "[";
            bool first = true;
            for (const auto& n : s.names) {
              out += (first ? "'" : ",'") + n + "'";
              first = false;
            }
            for (auto i : s.indexes) {
              if (!first) out += ',';
              out += std::to_string(i);
              first = false;
            }
            out += "]";
          } else if constexpr (std::is_same_v<T, DeepScanSeg>) {
            out += s.wildcard ? "..[*]" : "..['" + s.name + "']";
          } else if constexpr (std::is_same_v<T, FilterSeg>) {
            out += "[?]";
          }
        },
        seg.v);
  }
  return out;
}

const Json* JsonPath::Find(const Json& doc) const {
  const Json* node = &doc;
  for (const auto& seg : segments_) {
    if (const auto* field = std::get_if<FieldSeg>(&seg.v)) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(field->name);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (const auto* index = std::get_if<IndexSeg>(&seg.v)) {
      if (!node->is_array()) return nullptr;
      auto i = NormalizeIndex(index->index, node->size());
      if (!i) return nullptr;
      node = &(*node)[*i];
    } else {
      return nullptr;
    }
  }
  return node;
}

std::optional<Json> JsonPath::Evaluate(const Json& doc) const {
  if (definite_) {
    const Json* found = Find(doc);
    if (!found) return std::nullopt;
    return *found;
  }
  std::vector<const Json*> current{&doc};
  std::vector<const Json*> next;
  for (const auto& seg : segments_) {
    next.clear();
    ApplySegment(seg, doc, current, next);
    current.swap(next);
    if (current.empty()) break;
  }
  Json out = Json::array();
  out.get_ref<Json::array_t&>().reserve(current.size());
  for (const Json* match : current) out.push_back(*match);
  return out;
}

std::optional<Json> JsonPath::Evaluate(const PathEnv& env) const {
  switch (root_) {
    case Root::kInput:
      return Evaluate(env.Input());
    case Root::kContext:
      return Evaluate(env.Context());
    case Root::kVariable: {
      const Json* value = env.Variable(variable_);
      if (!value) return std::nullopt;
      return Evaluate(*value);
    }
  }
  return std::nullopt;
}

Status JsonPath::Assign(Json& doc, Json value) const {
  Json* node = &doc;
  for (const auto& seg : segments_) {
    if (const auto* field = std::get_if<FieldSeg>(&seg.v)) {
      if (node->is_null()) *node = Json::object();
      if (!node->is_object()) {
        return Fail("States.Runtime", "Unable to apply ResultPath '" + text_ + "' to input " +
                                          DumpJson(doc) + ": '" + field->name +
                                          "' is not inside an object");
      }
      node = &(*node)[field->name];
    } else if (const auto* index = std::get_if<IndexSeg>(&seg.v)) {
      if (!node->is_array()) {
        return Fail("States.Runtime",
                    "Unable to apply ResultPath '" + text_ + "': the value is not an array");
      }
      auto i = NormalizeIndex(index->index, node->size());
      if (!i) {
        return Fail("States.Runtime",
                    "Unable to apply ResultPath '" + text_ + "': index out of range");
      }
      node = &(*node)[*i];
    } else {
      return Fail("States.Runtime", "ResultPath '" + text_ + "' is not a reference path");
    }
  }
  *node = std::move(value);
  return {};
}

}  // namespace hpcflow::workflows
