// JSON definitions: nlohmann's (iterative) SAX parser builds the value, and
// a separate scan of the text finds where each value was written.
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflows/source_index.h"

namespace hpcflow::workflows::internal {
namespace {

// Objects with fewer members than this are checked for duplicate keys by a
// linear search.
constexpr std::size_t kLinearSearchLimit = 16;

// Builds the value like nlohmann's own DOM builder, but appends object
// members without nlohmann's linear search for an existing key (which makes
// big objects quadratic), rejects duplicate keys, and remembers where it
// stopped.
class SaxBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  enum class Failure { kNone, kSyntax, kDuplicateKey };

  bool null() { return Place(Json(nullptr)); }
  bool boolean(bool value) { return Place(Json(value)); }
  bool number_integer(number_integer_t value) { return Place(Json(value)); }
  bool number_unsigned(number_unsigned_t value) { return Place(Json(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) { return Place(Json(value)); }
  bool string(string_t& value) { return Place(Json(std::move(value))); }
  bool binary(binary_t& /*value*/) { return false; }  // not produced by the JSON reader

  bool start_object(std::size_t /*size*/) { return Open(Json::object()); }
  bool start_array(std::size_t /*size*/) { return Open(Json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(string_t& key) {
    Frame& frame = stack_.back();
    auto& object = frame.value->get_ref<Json::object_t&>();
    bool duplicate = false;
    if (object.size() < kLinearSearchLimit) {
      for (const auto& member : object) duplicate = duplicate || member.first == key;
    } else {
      if (!frame.keys) {
        frame.keys = std::make_unique<std::unordered_set<std::string>>();
        for (const auto& member : object) frame.keys->insert(member.first);
      }
      duplicate = !frame.keys->insert(key).second;
    }
    if (duplicate) {
      failure_ = Failure::kDuplicateKey;
      duplicate_key_ = key;
      return false;
    }
    // ordered_map is a vector of pairs; emplace_back skips its key search.
    object.emplace_back(std::move(key), nullptr);
    frame.member = &object.back().second;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) {
    failure_ = Failure::kSyntax;
    error_offset_ = position;
    message_ = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: x"
    if (auto pos = message_.find("] "); pos != std::string::npos) message_.erase(0, pos + 2);
    if (message_.rfind("parse error", 0) == 0) {
      if (auto pos = message_.find(": "); pos != std::string::npos) message_.erase(0, pos + 2);
    }
    if (error.id == 406) {  // 1e400
      message_ = "number out of range: " + last_token;
      number_length_ = last_token.size();
    }
    return false;
  }

  Failure failure() const { return failure_; }
  std::size_t error_offset() const { return error_offset_; }
  const std::string& message() const { return message_; }
  const std::string& duplicate_key() const { return duplicate_key_; }
  // For a number out of range: its length, so the error can point at its start.
  std::size_t number_length() const { return number_length_; }
  Json& root() { return root_; }

  // The pointer of the innermost open container.
  std::string OpenPointer() const {
    std::string pointer;
    for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
      const Json& value = *stack_[i].value;
      if (value.is_object()) {
        AppendPointerToken(pointer, value.get_ref<const Json::object_t&>().back().first);
      } else {
        AppendPointerToken(pointer, std::to_string(value.size() - 1));
      }
    }
    return pointer;
  }

 private:
  struct Frame {
    Json* value;
    Json* member = nullptr;  // objects: the slot of the member being read
    std::unique_ptr<std::unordered_set<std::string>> keys;
  };

  // Returns where the value now lives. Parents never grow while a child is
  // open, so the pointers on the stack stay valid.
  Json* Put(Json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = stack_.back();
    if (frame.value->is_array()) {
      auto& array = frame.value->get_ref<Json::array_t&>();
      array.push_back(std::move(value));
      return &array.back();
    }
    *frame.member = std::move(value);
    return frame.member;
  }
  bool Place(Json&& value) {
    Put(std::move(value));
    return true;
  }
  bool Open(Json&& container) {
    // CheckJsonDepth has already bounded the depth; this only keeps the
    // builder honest if it is ever used without it.
    if (stack_.size() >= static_cast<std::size_t>(kMaxNestingDepth)) {
      failure_ = Failure::kSyntax;
      message_ = "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels";
      return false;
    }
    stack_.push_back(Frame{Put(std::move(container)), nullptr, nullptr});
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  Json root_;
  std::vector<Frame> stack_;
  Failure failure_ = Failure::kNone;
  std::size_t error_offset_ = 0;
  std::string message_;
  std::string duplicate_key_;
  std::size_t number_length_ = 0;
};

// Reads 4 hex digits; -1 if they are not there.
long ReadHex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return -1;
  long value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    char c = text[i];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void AppendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The contents of a JSON string literal (without its quotes), unescaped the
// way nlohmann does, so keys match the parsed value's keys.
std::string UnescapeJsonString(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out.push_back(c);
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        long cp = ReadHex4(raw, i + 1);
        if (cp < 0) {
          out.push_back(e);
          break;
        }
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          long low = ReadHex4(raw, i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(out, static_cast<unsigned long>(cp));
        break;
      }
      default:
        out.push_back(e);
        break;  // '"', '\\', '/'
    }
  }
  return out;
}

}  // namespace

Result<Loaded> LoadJson(std::string_view text, const std::string& name) {
  if (auto problem = CheckJsonDepth(text)) {
    return Fail("parse", FormatAt(name, problem->where, problem->message));
  }
  SaxBuilder builder;
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception& e) {  // bad_alloc and the like
    std::string what = e.what();
    if (auto pos = what.find("] "); what.rfind("[json.exception", 0) == 0 && pos != what.npos) {
      what.erase(0, pos + 2);
    }
    return Fail("parse", FormatAt(name, {}, "cannot parse JSON: " + what));
  }
  if (ok) return Loaded{std::move(builder.root()), std::nullopt};

  if (builder.failure() == SaxBuilder::Failure::kDuplicateKey) {
    // Rare, so pay for a full location scan only now.
    std::string object_pointer = builder.OpenPointer();
    LocationIndex index = BuildJsonLocationIndex(text);
    std::vector<SourceLocation> places =
        index.MemberLocations(index.Find(object_pointer), builder.duplicate_key());
    std::string pointer = object_pointer;
    AppendPointerToken(pointer, builder.duplicate_key());
    std::string message = pointer + ": duplicate key \"" + builder.duplicate_key() + "\"";
    SourceLocation where;
    if (places.size() >= 2) {
      where = places[1];
      message += " (first defined at line " + std::to_string(places[0].line) + ", column " +
                 std::to_string(places[0].column) + ")";
    }
    return Fail("parse", FormatAt(name, where, message));
  }
  // nlohmann reports how many bytes it had read; the culprit is the last.
  std::size_t offset = builder.error_offset() > 0 ? builder.error_offset() - 1 : 0;
  if (std::size_t length = builder.number_length(); length > 0 && length <= offset + 1) {
    offset = offset + 1 - length;
  }
  return Fail("parse", FormatAt(name, LocationOfOffset(text, offset), builder.message()));
}

LocationIndex BuildJsonLocationIndex(std::string_view text) {
  enum class State { kValue, kValueOrEnd, kKeyOrEnd, kKey, kAfterValue };
  const std::size_t n = text.size();
  LocationIndexBuilder builder(/*check_duplicates=*/false);
  std::vector<bool> in_object;  // the open containers
  std::size_t i = 0;
  int line = 1;
  std::size_t line_start = 0;
  auto here = [&] { return SourceLocation{line, static_cast<int>(i - line_start + 1)}; };
  // Moves past a string literal starting at text[i]; false if unterminated.
  // (Raw newlines cannot occur in valid JSON strings, so lines are not
  // counted inside them.)
  auto skip_string = [&]() {
    ++i;
    while (true) {
      const void* found = i < n ? std::memchr(text.data() + i, '"', n - i) : nullptr;
      if (found == nullptr) {
        i = n;
        return false;
      }
      std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
      std::size_t backslashes = 0;
      while (quote - backslashes > i && text[quote - backslashes - 1] == '\\') ++backslashes;
      i = quote + 1;
      if (backslashes % 2 == 0) return true;
    }
  };

  State state = State::kValue;
  while (true) {
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
      ++i;
    }
    if (i >= n) break;
    const char c = text[i];
    if (state == State::kKeyOrEnd || state == State::kValueOrEnd) {
      if (c == (state == State::kKeyOrEnd ? '}' : ']')) {
        builder.End();
        in_object.pop_back();
        ++i;
        state = State::kAfterValue;
      } else {
        state = state == State::kKeyOrEnd ? State::kKey : State::kValue;
      }
      continue;
    }
    if (state == State::kKey) {
      if (c != '"') break;
      SourceLocation where = here();
      std::size_t start = i;
      if (!skip_string()) break;
      std::string_view raw = text.substr(start + 1, i - start - 2);
      if (raw.find('\\') == std::string_view::npos) {
        builder.Key(raw, where);
      } else {
        builder.Key(UnescapeJsonString(raw), where);
      }
      while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
        if (text[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
        ++i;
      }
      if (i >= n || text[i] != ':') break;
      ++i;
      state = State::kValue;
      continue;
    }
    if (state == State::kValue) {
      SourceLocation where = here();
      if (c == '{') {
        builder.BeginObject(where);
        in_object.push_back(true);
        ++i;
        state = State::kKeyOrEnd;
      } else if (c == '[') {
        builder.BeginArray(where);
        in_object.push_back(false);
        ++i;
        state = State::kValueOrEnd;
      } else if (c == '"') {
        builder.Scalar(where);
        if (!skip_string()) break;
        state = State::kAfterValue;
      } else if (c == ',' || c == ':' || c == ']' || c == '}') {
        break;
      } else {
        builder.Scalar(where);
        while (i < n && text[i] != ',' && text[i] != ']' && text[i] != '}' && text[i] != ' ' &&
               text[i] != '\t' && text[i] != '\r' && text[i] != '\n') {
          ++i;
        }
        state = State::kAfterValue;
      }
      continue;
    }
    // kAfterValue
    if (in_object.empty()) break;  // the document is complete
    if (c == ',') {
      ++i;
      state = in_object.back() ? State::kKey : State::kValue;
    } else if (c == (in_object.back() ? '}' : ']')) {
      builder.End();
      in_object.pop_back();
      ++i;
    } else {
      break;
    }
  }
  return builder.Finish();
}

}  // namespace hpcflow::workflows::internal
