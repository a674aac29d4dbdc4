// Parsing of intrinsic calls: "States.Name(arg, ...)".
//
// Grammar (whitespace allowed around arguments and before '('):
//   call    := "States." NAME "(" [arg ("," arg)*] ")"
//   arg     := string | number | "true" | "false" | "null" | path | call
//   string  := "'" (char | "\'" | "\{" | "\}" | "\\")* "'"
//   number  := JSON number syntax (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?)
//   path    := "$" ... up to a top-level ',' ')' or whitespace, checked by JsonPath
// AWS refuses other backslash escapes (e.g. \n) when the definition is
// created, so they are parse errors here too.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "workflows/intrinsics_internal.h"

namespace hpcflow::workflows {
namespace {

struct FunctionInfo {
  IntrinsicFunction function;
  std::string_view name;  // without "States."
  int min_args;
  int max_args;  // -1: any number
};

constexpr std::array<FunctionInfo, 18> kFunctions = {{
    {IntrinsicFunction::kFormat, "Format", 1, -1},
    {IntrinsicFunction::kStringToJson, "StringToJson", 1, 1},
    {IntrinsicFunction::kJsonToString, "JsonToString", 1, 1},
    {IntrinsicFunction::kArray, "Array", 0, -1},
    {IntrinsicFunction::kArrayPartition, "ArrayPartition", 2, 2},
    {IntrinsicFunction::kArrayContains, "ArrayContains", 2, 2},
    {IntrinsicFunction::kArrayRange, "ArrayRange", 3, 3},
    {IntrinsicFunction::kArrayGetItem, "ArrayGetItem", 2, 2},
    {IntrinsicFunction::kArrayLength, "ArrayLength", 1, 1},
    {IntrinsicFunction::kArrayUnique, "ArrayUnique", 1, 1},
    {IntrinsicFunction::kBase64Encode, "Base64Encode", 1, 1},
    {IntrinsicFunction::kBase64Decode, "Base64Decode", 1, 1},
    {IntrinsicFunction::kHash, "Hash", 2, 2},
    {IntrinsicFunction::kJsonMerge, "JsonMerge", 3, 3},
    {IntrinsicFunction::kMathRandom, "MathRandom", 2, 3},
    {IntrinsicFunction::kMathAdd, "MathAdd", 2, 2},
    {IntrinsicFunction::kStringSplit, "StringSplit", 2, 2},
    {IntrinsicFunction::kUuid, "UUID", 0, 0},
}};

constexpr std::string_view kPrefix = "States.";

// IntrinsicFunctionName indexes kFunctions by the enum's value.
constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kFunctions.size(); ++i) {
    if (static_cast<size_t>(kFunctions[i].function) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder());

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
}

std::string Quote(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7F) {  // keep messages printable ASCII
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("'\\x") + kHex[byte >> 4] + kHex[byte & 15] + "'";
  }
  return std::string("'") + c + "'";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::unique_ptr<IntrinsicNode>> ParseTop() {
    auto call = ParseCall(1);
    if (!call) return Fail(call.error());
    SkipSpace();
    if (pos_ != text_.size()) {
      return Bad("unexpected " + Quote(text_[pos_]) + " after the closing ')'");
    }
    return call;
  }

  bool uses_randomness() const { return uses_randomness_; }

 private:
  Unexpected<Error> Bad(std::string detail) const {
    return Fail("parse", std::move(detail) + " at offset " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool StartsWith(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  Result<std::unique_ptr<IntrinsicNode>> ParseCall(int depth) {
    if (depth > kMaxIntrinsicDepth) {
      return Bad("intrinsic functions are nested more than " + std::to_string(kMaxIntrinsicDepth) +
                 " deep");
    }
    if (!StartsWith(kPrefix)) return Bad("expected 'States.'");
    const size_t name_start = pos_;
    pos_ += kPrefix.size();
    const size_t short_start = pos_;
    while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    const std::string_view short_name = text_.substr(short_start, pos_ - short_start);
    const std::string full_name(text_.substr(name_start, pos_ - name_start));
    if (short_name.empty()) {
      pos_ = short_start;
      return Bad("expected a function name after 'States.'");
    }
    const auto info = std::find_if(kFunctions.begin(), kFunctions.end(),
                                   [&](const FunctionInfo& f) { return f.name == short_name; });
    if (info == kFunctions.end()) {
      pos_ = name_start;
      return Bad("unknown intrinsic function '" + full_name + "'");
    }
    auto node = std::make_unique<IntrinsicNode>();
    node->function = info->function;

    SkipSpace();
    if (AtEnd() || text_[pos_] != '(') return Bad("expected '(' after '" + full_name + "'");
    ++pos_;
    SkipSpace();
    if (!AtEnd() && text_[pos_] == ')') {
      ++pos_;
    } else {
      while (true) {
        SkipSpace();
        auto arg = ParseArg(depth);
        if (!arg) return Fail(arg.error());
        node->args.push_back(std::move(*arg));
        if (node->function == IntrinsicFunction::kFormat && node->args.size() == 1 &&
            node->args[0].kind == IntrinsicArg::Kind::kLiteral &&
            node->args[0].literal.is_string()) {
          node->literal_template = ParseFormatTemplate(last_raw_string_);
        }
        SkipSpace();
        if (AtEnd()) return Bad("missing ')' to close '" + full_name + "('");
        if (text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (text_[pos_] == ')') {
          ++pos_;
          break;
        }
        return Bad("expected ',' or ')' but found " + Quote(text_[pos_]));
      }
    }

    const int count = static_cast<int>(node->args.size());
    if (count < info->min_args || (info->max_args >= 0 && count > info->max_args)) {
      std::string expected;
      if (info->max_args < 0) {
        expected = "at least " + std::to_string(info->min_args) + " argument" +
                   (info->min_args == 1 ? "" : "s");
      } else if (info->min_args == info->max_args) {
        expected = std::to_string(info->min_args) + " argument" + (info->min_args == 1 ? "" : "s");
      } else {
        expected =
            std::to_string(info->min_args) + " or " + std::to_string(info->max_args) + " arguments";
      }
      return Fail("parse", full_name + " takes " + expected + ", got " + std::to_string(count));
    }

    if (node->function == IntrinsicFunction::kUuid ||
        (node->function == IntrinsicFunction::kMathRandom && count == 2)) {
      uses_randomness_ = true;
    }
    return node;
  }

  Result<IntrinsicArg> ParseArg(int depth) {
    if (AtEnd()) return Bad("expected an argument");
    const char c = text_[pos_];
    IntrinsicArg arg;
    if (c == '\'') {
      std::string raw;
      auto value = ParseString(&raw);
      if (!value) return Fail(value.error());
      arg.literal = std::move(*value);
      last_raw_string_ = std::move(raw);
      return arg;
    }
    if (c == '-' || IsDigit(c)) {
      auto number = ParseNumber();
      if (!number) return Fail(number.error());
      arg.literal = std::move(*number);
      return arg;
    }
    if (c == '$') return ParsePath();
    if (StartsWith(kPrefix)) {
      auto call = ParseCall(depth + 1);
      if (!call) return Fail(call.error());
      arg.kind = IntrinsicArg::Kind::kCall;
      arg.call = std::move(*call);
      return arg;
    }
    if (IsNameChar(c)) {
      const size_t start = pos_;
      while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
      const std::string_view word = text_.substr(start, pos_ - start);
      if (word == "true") {
        arg.literal = true;
      } else if (word == "false") {
        arg.literal = false;
      } else if (word == "null") {
        arg.literal = nullptr;
      } else {
        pos_ = start;
        return Bad("unexpected '" + std::string(word) +
                   "' (an argument is a 'string', a number, true, false, null, a path "
                   "starting with '$' or a States.* call)");
      }
      return arg;
    }
    return Bad("unexpected " + Quote(c) +
               " (an argument is a 'string', a number, true, false, null, a path starting "
               "with '$' or a States.* call)");
  }

  // A quoted string; `raw` receives the text between the quotes with its
  // escapes intact (States.Format needs to know which braces were escaped).
  Result<Json> ParseString(std::string* raw) {
    const size_t start = pos_;
    ++pos_;  // opening quote
    std::string value;
    while (true) {
      if (AtEnd()) {
        pos_ = start;
        return Bad("unterminated string literal");
      }
      const char c = text_[pos_];
      if (c == '\'') break;
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) {
          return Bad("a backslash must be followed by one of ' { } \\");
        }
        const char next = text_[pos_ + 1];
        if (next != '\'' && next != '{' && next != '}' && next != '\\') {
          return Bad("invalid escape '\\" + std::string(1, next) +
                     "' in a string literal (only \\' \\{ \\} \\\\ are allowed)");
        }
        value += next;
        pos_ += 2;
        continue;
      }
      value += c;
      ++pos_;
    }
    *raw = std::string(text_.substr(start + 1, pos_ - start - 1));
    ++pos_;  // closing quote
    return Json(std::move(value));
  }

  Result<Json> ParseNumber() {
    const size_t start = pos_;
    size_t i = pos_;
    auto digits = [&] {
      const size_t from = i;
      while (i < text_.size() && IsDigit(text_[i])) ++i;
      return i - from;
    };
    bool is_integer = true;
    if (text_[i] == '-') ++i;
    const size_t int_start = i;
    const size_t int_digits = digits();
    bool ok = int_digits > 0 && !(int_digits > 1 && text_[int_start] == '0');
    if (ok && i < text_.size() && text_[i] == '.') {
      ++i;
      is_integer = false;
      ok = digits() > 0;
    }
    if (ok && i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      ++i;
      is_integer = false;
      if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
      ok = digits() > 0;
    }
    // A number runs into the next ',', ')' or whitespace; "1." or "1a" is not one.
    if (ok && i < text_.size() && !IsSpace(text_[i]) && text_[i] != ',' && text_[i] != ')') {
      ok = false;
    }
    if (!ok) {
      while (i < text_.size() && !IsSpace(text_[i]) && text_[i] != ',' && text_[i] != ')') ++i;
      return Bad("invalid number '" + std::string(text_.substr(start, i - start)) + "'");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + i;
    pos_ = i;
    if (is_integer) {
      int64_t value = 0;
      auto [ptr, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && ptr == last) return Json(value);
      // Too large for 64 bits: keep it as a (rounded) double, as Jackson
      // would keep a BigInteger's magnitude.
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last || !std::isfinite(value)) {
      pos_ = start;
      return Bad("number '" + std::string(text_.substr(start, i - start)) + "' is out of range");
    }
    return Json(value);
  }

  Result<IntrinsicArg> ParsePath() {
    const size_t start = pos_;
    size_t i = pos_;
    int depth = 0;
    char quote = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (quote) {
        if (c == '\\' && i + 1 < text_.size()) {
          i += 2;
          continue;
        }
        if (c == quote) quote = 0;
      } else if (depth > 0) {
        if (c == '\'' || c == '"') quote = c;
        if (c == '[') ++depth;
        if (c == ']') --depth;
      } else {
        if (c == ',' || c == ')' || IsSpace(c)) break;
        if (c == '[') ++depth;
      }
      ++i;
    }
    const std::string_view text = text_.substr(start, i - start);
    auto path = JsonPath::Parse(text);
    if (!path) {
      return Bad("invalid path '" + std::string(text) + "': " + path.error().cause);
    }
    pos_ = i;
    IntrinsicArg arg;
    arg.kind = IntrinsicArg::Kind::kPath;
    // AWS resolves $$ arguments against the context object but names them
    // with a single '$' in "could not be found" errors.
    arg.path_name =
        path->root() == JsonPath::Root::kContext ? std::string(text.substr(1)) : std::string(text);
    arg.path = std::move(*path);
    return arg;
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool uses_randomness_ = false;
  // Text of the string literal parsed last, escapes intact (for templates).
  std::string last_raw_string_;
};

}  // namespace

std::string_view IntrinsicFunctionName(IntrinsicFunction function) {
  static const auto kNames = [] {
    std::array<std::string, kFunctions.size()> names;
    for (size_t i = 0; i < kFunctions.size(); ++i) {
      names[i] = std::string(kPrefix) + std::string(kFunctions[i].name);
    }
    return names;
  }();
  return kNames[static_cast<size_t>(function)];
}

FormatTemplate ParseFormatTemplate(std::string_view raw) {
  FormatTemplate result;
  std::string piece;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '\'' || raw[i + 1] == '{' || raw[i + 1] == '}' || raw[i + 1] == '\\')) {
      piece += raw[++i];
    } else if (c == '{') {
      if (i + 1 < raw.size() && raw[i + 1] == '}') {
        result.pieces.push_back(std::move(piece));
        piece.clear();
        ++i;
      } else {
        return FormatTemplate{{},
                              "Invalid template in States.Format: matching '}' not found for '{'."};
      }
    } else if (c == '}') {
      return FormatTemplate{{},
                            "Invalid template in States.Format: matching '{' not found for '}'."};
    } else {
      piece += c;
    }
  }
  result.pieces.push_back(std::move(piece));
  return result;
}

Intrinsic::Intrinsic(std::string text, std::unique_ptr<const IntrinsicNode> root,
                     bool uses_randomness)
    : text_(std::move(text)), root_(std::move(root)), uses_randomness_(uses_randomness) {}

Intrinsic::~Intrinsic() = default;

IntrinsicFunction Intrinsic::function() const { return root_->function; }

bool LooksLikeIntrinsic(std::string_view text) { return text.starts_with(kPrefix); }

Result<std::shared_ptr<const Intrinsic>> ParseIntrinsic(std::string_view text) {
  try {
    Parser parser(text);
    auto root = parser.ParseTop();
    if (!root) {
      return Fail("parse", "invalid intrinsic function call '" + std::string(text) +
                               "': " + root.error().cause);
    }
    return std::make_shared<const Intrinsic>(std::string(text), std::move(*root),
                                             parser.uses_randomness());
  } catch (const std::exception& e) {  // allocation failure; nothing else throws
    return Fail("parse", std::string("invalid intrinsic function call: ") + e.what());
  }
}

}  // namespace hpcflow::workflows
