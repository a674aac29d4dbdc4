// YAML definitions: yaml-cpp's event parser feeds a builder that makes the
// JSON value and the location index in one pass, with its own explicit
// stack. (yaml-cpp's parser recurses, but its DepthGuard bounds that, and the
// builder stops anything deeper than kMaxNestingDepth first.)
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <istream>
#include <streambuf>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>
#include <nlohmann/json.hpp>

#include "workflows/source_index.h"

namespace hpcflow::workflows::internal {
namespace {

constexpr std::string_view kCoreTag = "tag:yaml.org,2002:";

// Thrown by the builder to stop the parse; caught in LoadYaml.
struct StopError {
  SourceLocation where;
  std::string message;
};

SourceLocation ToLocation(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// Lets yaml-cpp read the text in place instead of from a copy.
class ViewStreamBuf : public std::streambuf {
 public:
  explicit ViewStreamBuf(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // only ever read
    setg(begin, begin, begin + text.size());
  }
};

bool IsNullWord(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> BoolWord(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsCoreFloat(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

bool IsInfinity(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s == ".inf" || s == ".Inf" || s == ".INF";
}
bool IsNan(std::string_view s) { return s == ".nan" || s == ".NaN" || s == ".NAN"; }

Result<Json> ParseDouble(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // from_chars says the same for underflow, which JSON parsers round to 0.
    value = std::strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc() || end != s.data() + s.size()) {
    return Fail("parse", "invalid number '" + std::string(s) + "'");
  }
  if (!std::isfinite(value)) return Fail("parse", "number out of range: " + std::string(s));
  return Json(value);
}

// A number by the YAML 1.2 core schema, or nullopt when `s` is not one.
// Integers are stored the way nlohmann's JSON parser stores them (unsigned
// unless negative; a double when too big), so JSON and YAML give equal values.
std::optional<Result<Json>> CoreNumber(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    bool hex = s[1] == 'x';
    std::string_view digits = s.substr(2);
    if (!AllOf(digits, hex ? IsHex : IsOctal)) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 8);
    if (ec != std::errc())
      return Result<Json>(Fail("parse", "number out of range: " + std::string(s)));
    return Result<Json>(Json(value));
  }
  bool negative = !s.empty() && s[0] == '-';
  std::string_view digits = s;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (AllOf(digits, IsDigit)) {
    std::uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
    constexpr std::uint64_t kMinMagnitude = std::uint64_t{1} << 63;  // -INT64_MIN
    if (ec == std::errc() && !negative) return Result<Json>(Json(magnitude));
    if (ec == std::errc() && magnitude <= kMinMagnitude) {
      return Result<Json>(
          Json(magnitude == kMinMagnitude ? INT64_MIN : -static_cast<std::int64_t>(magnitude)));
    }
    return ParseDouble(s);  // too big for 64 bits
  }
  if (IsCoreFloat(s)) return ParseDouble(s);
  if (IsInfinity(s)) {
    return Result<Json>(Fail("parse", "'" + std::string(s) + "': JSON cannot hold infinity"));
  }
  if (IsNan(s))
    return Result<Json>(Fail("parse", "'" + std::string(s) + "': JSON cannot hold NaN"));
  return std::nullopt;
}

// What an untagged plain scalar means under the core schema.
Result<Json> ResolvePlain(const std::string& s) {
  if (IsNullWord(s)) return Json(nullptr);
  if (auto b = BoolWord(s)) return Json(*b);
  if (auto number = CoreNumber(s)) return std::move(*number);
  return Json(s);
}

// A scalar with the tag yaml-cpp reports: "?" for plain, "!" for quoted or
// block scalars, a full tag otherwise.
Result<Json> ResolveScalar(const std::string& tag, const std::string& value) {
  if (tag == "?") return ResolvePlain(value);
  if (tag == "!") return Json(value);
  std::string_view core = tag;
  if (core.substr(0, kCoreTag.size()) != kCoreTag) {
    return Fail("parse", "unsupported YAML tag '" + tag + "'");
  }
  core.remove_prefix(kCoreTag.size());
  auto invalid = [&] {
    return Fail("parse", "'" + value + "' is not a valid !!" + std::string(core));
  };
  if (core == "str") return Json(value);
  if (core == "null") return IsNullWord(value) ? Result<Json>(Json(nullptr)) : invalid();
  if (core == "bool") {
    if (auto b = BoolWord(value)) return Json(*b);
    return invalid();
  }
  if (core == "int" || core == "float") {
    auto number = CoreNumber(value);
    if (!number) return invalid();
    if (!*number) return std::move(*number);
    if (core == "int" && (*number)->is_number_float()) {
      bool integral = value.find_first_of(".eE") == std::string::npos;
      if (!integral) return invalid();
    }
    if (core == "float") return Json((*number)->get<double>());
    return std::move(*number);
  }
  return Fail("parse", "unsupported YAML tag '!!" + std::string(core) + "' on a scalar");
}

// yaml-cpp 0.7 turns the escapes "\_" and "\N" into the single bytes 0xA0
// and 0x85 rather than UTF-8. The text was valid UTF-8, so a stray byte can
// only come from an escape: re-encode those two, and reject anything else
// ill-formed rather than let invalid UTF-8 into a value.
bool RepairEscapes(std::string& value) {
  if (!CheckUtf8(value)) return true;
  std::string repaired;
  repaired.reserve(value.size() + 8);
  for (std::size_t i = 0; i < value.size();) {
    if (value[i] == '\0') {  // "\0" is a valid escape; CheckUtf8 objects to NUL
      repaired.push_back(value[i++]);
      continue;
    }
    std::size_t length = Utf8SequenceLength(value, i);
    if (length > 0) {
      repaired.append(value, i, length);
      i += length;
      continue;
    }
    auto byte = static_cast<unsigned char>(value[i]);
    if (byte != 0xA0 && byte != 0x85) return false;
    repaired.push_back('\xC2');
    repaired.push_back(value[i++]);
  }
  value = std::move(repaired);
  return true;
}

class Builder : public YAML::EventHandler {
 public:
  explicit Builder(std::string_view text) : text_(text), index_(/*check_duplicates=*/true) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw StopError{ToLocation(mark),
                      "a second YAML document; a definition file holds exactly one"};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Leaf(ToLocation(mark), anchor, Json(nullptr), NullKeyText(mark));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& raw_value) override {
    SourceLocation where = ToLocation(mark);
    std::string value = raw_value;
    if (!RepairEscapes(value)) throw StopError{where, Prefixed("invalid UTF-8 from an escape")};
    if (InKeyPosition()) {
      // Keys are names: taken as written, whatever they look like.
      Leaf(where, anchor, Json(), value);
      return;
    }
    Result<Json> resolved = ResolveScalar(tag, value);
    if (!resolved) throw StopError{where, Prefixed(resolved.error().cause)};
    Leaf(where, anchor, std::move(*resolved), value);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    SourceLocation where = ToLocation(mark);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw StopError{where, Prefixed("alias to an anchor inside itself (a recursive alias)")};
    }
    const Anchored& target = it->second;
    if (InKeyPosition()) {
      if (!target.key_text) {
        throw StopError{where, Prefixed("mapping key is an alias of a collection; keys must be "
                                        "scalars")};
      }
      UseKey(*target.key_text, where);
      return;
    }
    expanded_nodes_ += target.nodes;
    expanded_bytes_ += target.bytes;
    if (expanded_nodes_ > kMaxAliasExpansionNodes || expanded_bytes_ > kMaxAliasExpansionBytes) {
      throw StopError{where, "aliases expand to more than " +
                                 std::to_string(kMaxAliasExpansionNodes) + " nodes or " +
                                 std::to_string(kMaxAliasExpansionBytes >> 20) +
                                 " MiB (an alias bomb?)"};
    }
    if (static_cast<int>(stack_.size()) + target.height > kMaxNestingDepth) {
      throw StopError{where, TooDeep()};
    }
    // The copy's insides are not indexed: they point back at the alias.
    index_.Scalar(where);
    produced_nodes_ += target.nodes;
    produced_bytes_ += target.bytes;
    NoteChildHeight(target.height);
    Put(Json(target.is_collection ? Resolve(target.path) : target.scalar));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    Begin(ToLocation(mark), tag, anchor, /*is_map=*/false);
  }
  void OnSequenceEnd() override { End(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    Begin(ToLocation(mark), tag, anchor, /*is_map=*/true);
  }
  void OnMapEnd() override { End(); }

  Json TakeRoot() { return std::move(root_); }
  LocationIndex TakeIndex() { return index_.Finish(); }

 private:
  struct Frame {
    Json* value;
    bool is_map;
    YAML::anchor_t anchor;
    std::size_t nodes_before;
    std::size_t bytes_before;
    // Maps: whether the next event is a key, and the key waiting for its value.
    bool expect_key = true;
    std::string key;
    int max_child_height = 0;
    std::string pointer_token;  // this container's token in its parent
  };
  // A completed anchored node, for later aliases. Collections are not
  // copied until an alias uses them (nested anchors would otherwise copy the
  // same data once per level). They are found again by position, since
  // values move (object members are even copied) as their parents grow.
  struct Anchored {
    Json scalar;
    bool is_collection = false;
    std::vector<std::uint32_t> path;  // child positions from the root
    std::size_t nodes = 0;
    std::size_t bytes = 0;
    int height = 0;                       // containers nested inside, itself included
    std::optional<std::string> key_text;  // scalars: the text, for use as a key
  };

  bool InKeyPosition() const {
    return !stack_.empty() && stack_.back().is_map && stack_.back().expect_key;
  }

  // An empty or null-word node; as a key it stands for its own text.
  std::string NullKeyText(const YAML::Mark& mark) const {
    if (mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) return "";
    std::string_view rest = text_.substr(static_cast<std::size_t>(mark.pos));
    for (std::string_view word : {"null", "Null", "NULL", "~"}) {
      if (rest.substr(0, word.size()) != word) continue;
      std::string_view after = rest.substr(word.size());
      if (after.empty() ||
          std::string_view(" \t\r\n:,]}").find(after[0]) != std::string_view::npos) {
        return std::string(word);
      }
    }
    return "";
  }

  // The pointer of the innermost open container, for messages.
  std::string OpenPointer() const {
    std::string pointer;
    for (std::size_t i = 1; i < stack_.size(); ++i) pointer += stack_[i].pointer_token;
    return pointer;
  }
  std::string Prefixed(const std::string& message) const {
    std::string pointer = OpenPointer();
    if (!stack_.empty()) {
      const Frame& top = stack_.back();
      if (top.is_map && !top.expect_key) {
        AppendPointerToken(pointer, top.key);
      } else if (!top.is_map) {
        AppendPointerToken(pointer, std::to_string(top.value->size()));
      }
    }
    return pointer.empty() ? message : pointer + ": " + message;
  }
  static std::string TooDeep() {
    return "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels";
  }

  void UseKey(const std::string& key, SourceLocation where) {
    std::optional<SourceLocation> previous = index_.Key(key, where);
    if (previous) {
      std::string pointer = OpenPointer();
      AppendPointerToken(pointer, key);
      throw StopError{where, pointer + ": duplicate key \"" + key + "\" (first defined at line " +
                                 std::to_string(previous->line) + ", column " +
                                 std::to_string(previous->column) + ")"};
    }
    Frame& top = stack_.back();
    top.key = key;
    top.expect_key = false;
    produced_bytes_ += key.size();
  }

  const Json& Resolve(const std::vector<std::uint32_t>& path) const {
    const Json* node = &root_;
    for (std::uint32_t position : path) {
      if (node->is_array()) {
        node = &node->get_ref<const Json::array_t&>()[position];
      } else {
        node = &(node->get_ref<const Json::object_t&>().begin() + position)->second;
      }
    }
    return *node;
  }

  void NoteChildHeight(int height) {
    if (!stack_.empty())
      stack_.back().max_child_height = std::max(stack_.back().max_child_height, height);
  }

  // The token the next value will have in its parent.
  std::string NextToken() const {
    std::string token;
    if (stack_.empty()) return token;
    const Frame& top = stack_.back();
    AppendPointerToken(token, top.is_map ? top.key : std::to_string(top.value->size()));
    return token;
  }

  // Stores a finished value in its parent; returns where it now lives.
  // Parents never grow while a child is open, so pointers on the stack stay
  // valid.
  Json* Put(Json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& top = stack_.back();
    if (!top.is_map) {
      auto& array = top.value->get_ref<Json::array_t&>();
      array.push_back(std::move(value));
      return &array.back();
    }
    auto& object = top.value->get_ref<Json::object_t&>();
    // ordered_map is a vector of pairs; emplace_back skips its key search
    // (duplicates were rejected in UseKey).
    object.emplace_back(std::move(top.key), std::move(value));
    top.key.clear();
    top.expect_key = true;
    return &object.back().second;
  }

  void Leaf(SourceLocation where, YAML::anchor_t anchor, Json value, const std::string& text) {
    if (InKeyPosition()) {
      UseKey(text, where);
      if (anchor != YAML::NullAnchor) {
        anchors_[anchor] = Anchored{Json(text), false, {}, 1, text.size(), 0, text};
      }
      return;
    }
    index_.Scalar(where);
    std::size_t bytes = value.is_string() ? value.get_ref<const std::string&>().size() : 0;
    ++produced_nodes_;
    produced_bytes_ += bytes;
    if (anchor != YAML::NullAnchor) {
      anchors_[anchor] = Anchored{value, false, {}, 1, bytes, 0, text};
    }
    Put(std::move(value));
  }

  void Begin(SourceLocation where, const std::string& tag, YAML::anchor_t anchor, bool is_map) {
    if (InKeyPosition()) {
      throw StopError{
          where, Prefixed(std::string("mapping key is a ") + (is_map ? "mapping" : "sequence") +
                          "; keys must be scalars")};
    }
    if (tag != "?" && tag != "!" && tag != std::string(kCoreTag) + (is_map ? "map" : "seq")) {
      throw StopError{where, Prefixed("unsupported YAML tag '" + tag + "' on a " +
                                      (is_map ? "mapping" : "sequence"))};
    }
    if (static_cast<int>(stack_.size()) >= kMaxNestingDepth) throw StopError{where, TooDeep()};
    is_map ? index_.BeginObject(where) : index_.BeginArray(where);
    std::string token = NextToken();
    std::size_t nodes_before = produced_nodes_++;
    Json* slot = Put(is_map ? Json::object() : Json::array());
    stack_.push_back(
        Frame{slot, is_map, anchor, nodes_before, produced_bytes_, true, "", 0, std::move(token)});
  }

  void End() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    index_.End();
    int height = frame.max_child_height + 1;
    NoteChildHeight(height);
    if (frame.anchor != YAML::NullAnchor) {
      Anchored anchored;
      anchored.is_collection = true;
      // The open parents' last children lead here.
      for (const Frame& parent : stack_) {
        anchored.path.push_back(static_cast<std::uint32_t>(parent.value->size() - 1));
      }
      anchored.nodes = produced_nodes_ - frame.nodes_before;
      anchored.bytes = produced_bytes_ - frame.bytes_before;
      anchored.height = height;
      anchors_[frame.anchor] = std::move(anchored);
    }
  }

  std::string_view text_;
  LocationIndexBuilder index_;
  Json root_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  int documents_ = 0;
  // Nodes and string bytes made so far (aliases included), and made by
  // aliases alone.
  std::size_t produced_nodes_ = 0;
  std::size_t produced_bytes_ = 0;
  std::size_t expanded_nodes_ = 0;
  std::size_t expanded_bytes_ = 0;
};

}  // namespace

Result<Loaded> LoadYaml(std::string_view text, const std::string& name) {
  if (auto problem = CheckYamlFlowDepth(text)) {
    return Fail("parse", FormatAt(name, problem->where, problem->message));
  }
  Builder builder(text);
  try {
    ViewStreamBuf buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) {
      return Fail("parse", FormatAt(name, {}, "empty YAML document"));
    }
    parser.HandleNextDocument(builder);  // throws StopError if there is another
  } catch (const StopError& e) {
    return Fail("parse", FormatAt(name, e.where, e.message));
  } catch (const YAML::DeepRecursion& e) {
    return Fail("parse",
                FormatAt(name, ToLocation(e.mark),
                         "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels"));
  } catch (const YAML::Exception& e) {
    return Fail("parse", FormatAt(name, ToLocation(e.mark), e.msg));
  } catch (const std::exception& e) {  // bad_alloc and the like
    return Fail("parse", FormatAt(name, {}, std::string("cannot parse YAML: ") + e.what()));
  }
  return Loaded{builder.TakeRoot(), builder.TakeIndex()};
}

}  // namespace hpcflow::workflows::internal
