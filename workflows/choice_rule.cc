#include "workflows/choice_rule.h"

#include <algorithm>
#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "workflows/timestamp.h"

namespace hpcflow::workflows {
namespace {

enum class Kind { kAnd, kOr, kNot, kCompare, kMatches, kIsType, kIsPresent };
enum class Family { kBoolean, kNumeric, kString, kTimestamp };
enum class Relation { kEq, kLt, kLe, kGt, kGe };
enum class TypeTest { kBoolean, kNull, kNumeric, kString, kTimestamp };

struct OperatorInfo {
  std::string_view name;
  Kind kind;
  Family family = Family::kBoolean;
  Relation relation = Relation::kEq;
  bool path = false;
  TypeTest test = TypeTest::kBoolean;
};

// The 39 comparison operators of ASL.
constexpr OperatorInfo kOperators[] = {
    {"BooleanEquals", Kind::kCompare, Family::kBoolean, Relation::kEq, false},
    {"BooleanEqualsPath", Kind::kCompare, Family::kBoolean, Relation::kEq, true},
    {"NumericEquals", Kind::kCompare, Family::kNumeric, Relation::kEq, false},
    {"NumericEqualsPath", Kind::kCompare, Family::kNumeric, Relation::kEq, true},
    {"NumericGreaterThan", Kind::kCompare, Family::kNumeric, Relation::kGt, false},
    {"NumericGreaterThanPath", Kind::kCompare, Family::kNumeric, Relation::kGt, true},
    {"NumericGreaterThanEquals", Kind::kCompare, Family::kNumeric, Relation::kGe, false},
    {"NumericGreaterThanEqualsPath", Kind::kCompare, Family::kNumeric, Relation::kGe, true},
    {"NumericLessThan", Kind::kCompare, Family::kNumeric, Relation::kLt, false},
    {"NumericLessThanPath", Kind::kCompare, Family::kNumeric, Relation::kLt, true},
    {"NumericLessThanEquals", Kind::kCompare, Family::kNumeric, Relation::kLe, false},
    {"NumericLessThanEqualsPath", Kind::kCompare, Family::kNumeric, Relation::kLe, true},
    {"StringEquals", Kind::kCompare, Family::kString, Relation::kEq, false},
    {"StringEqualsPath", Kind::kCompare, Family::kString, Relation::kEq, true},
    {"StringGreaterThan", Kind::kCompare, Family::kString, Relation::kGt, false},
    {"StringGreaterThanPath", Kind::kCompare, Family::kString, Relation::kGt, true},
    {"StringGreaterThanEquals", Kind::kCompare, Family::kString, Relation::kGe, false},
    {"StringGreaterThanEqualsPath", Kind::kCompare, Family::kString, Relation::kGe, true},
    {"StringLessThan", Kind::kCompare, Family::kString, Relation::kLt, false},
    {"StringLessThanPath", Kind::kCompare, Family::kString, Relation::kLt, true},
    {"StringLessThanEquals", Kind::kCompare, Family::kString, Relation::kLe, false},
    {"StringLessThanEqualsPath", Kind::kCompare, Family::kString, Relation::kLe, true},
    {"TimestampEquals", Kind::kCompare, Family::kTimestamp, Relation::kEq, false},
    {"TimestampEqualsPath", Kind::kCompare, Family::kTimestamp, Relation::kEq, true},
    {"TimestampGreaterThan", Kind::kCompare, Family::kTimestamp, Relation::kGt, false},
    {"TimestampGreaterThanPath", Kind::kCompare, Family::kTimestamp, Relation::kGt, true},
    {"TimestampGreaterThanEquals", Kind::kCompare, Family::kTimestamp, Relation::kGe, false},
    {"TimestampGreaterThanEqualsPath", Kind::kCompare, Family::kTimestamp, Relation::kGe, true},
    {"TimestampLessThan", Kind::kCompare, Family::kTimestamp, Relation::kLt, false},
    {"TimestampLessThanPath", Kind::kCompare, Family::kTimestamp, Relation::kLt, true},
    {"TimestampLessThanEquals", Kind::kCompare, Family::kTimestamp, Relation::kLe, false},
    {"TimestampLessThanEqualsPath", Kind::kCompare, Family::kTimestamp, Relation::kLe, true},
    {"StringMatches", Kind::kMatches, Family::kString},
    {"IsBoolean", Kind::kIsType, Family::kBoolean, Relation::kEq, false, TypeTest::kBoolean},
    {"IsNull", Kind::kIsType, Family::kBoolean, Relation::kEq, false, TypeTest::kNull},
    {"IsNumeric", Kind::kIsType, Family::kBoolean, Relation::kEq, false, TypeTest::kNumeric},
    {"IsString", Kind::kIsType, Family::kBoolean, Relation::kEq, false, TypeTest::kString},
    {"IsTimestamp", Kind::kIsType, Family::kBoolean, Relation::kEq, false, TypeTest::kTimestamp},
    {"IsPresent", Kind::kIsPresent, Family::kBoolean},
};

static_assert(std::size(kOperators) == 39);

const OperatorInfo* FindOperator(std::string_view name) {
  for (const auto& op : kOperators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

// A StringMatches pattern: literal pieces separated by unescaped '*'.
// Matching is greedy leftmost with KMP for the inner pieces, so it is linear
// in the length of the text plus the pattern (no backtracking blow-up).
class StringPattern {
 public:
  // `\*` is a literal star and `\\` a literal backslash; a backslash before
  // anything else is kept as written.
  void Compile(std::string_view pattern) {
    pieces_.assign(1, std::string());
    for (size_t i = 0; i < pattern.size(); ++i) {
      char c = pattern[i];
      if (c == '\\' && i + 1 < pattern.size() &&
          (pattern[i + 1] == '*' || pattern[i + 1] == '\\')) {
        pieces_.back() += pattern[++i];
      } else if (c == '*') {
        pieces_.emplace_back();
      } else {
        pieces_.back() += c;
      }
    }
    failure_.assign(pieces_.size(), {});
    for (size_t p = 1; p + 1 < pieces_.size(); ++p) {
      const std::string& w = pieces_[p];
      std::vector<size_t>& f = failure_[p];
      f.assign(w.size() + 1, 0);
      size_t k = 0;
      for (size_t i = 1; i < w.size(); ++i) {
        while (k > 0 && w[i] != w[k]) k = f[k];
        if (w[i] == w[k]) ++k;
        f[i + 1] = k;
      }
    }
  }

  bool Matches(std::string_view s) const {
    if (pieces_.size() == 1) return s == pieces_[0];
    const std::string& first = pieces_.front();
    const std::string& last = pieces_.back();
    if (s.size() < first.size() + last.size()) return false;
    if (s.substr(0, first.size()) != first) return false;
    if (s.substr(s.size() - last.size()) != last) return false;
    size_t pos = first.size();
    const size_t end = s.size() - last.size();
    for (size_t p = 1; p + 1 < pieces_.size(); ++p) {
      const std::string& w = pieces_[p];
      if (w.empty()) continue;
      auto found = Find(s, pos, end, w, failure_[p]);
      if (!found) return false;
      pos = *found + w.size();
    }
    return true;
  }

 private:
  // KMP search for `w` in s[from, to); returns the match position.
  static std::optional<size_t> Find(std::string_view s, size_t from, size_t to,
                                    const std::string& w, const std::vector<size_t>& f) {
    size_t k = 0;
    for (size_t i = from; i < to; ++i) {
      while (k > 0 && s[i] != w[k]) k = f[k];
      if (s[i] == w[k]) ++k;
      if (k == w.size()) return i + 1 - w.size();
    }
    return std::nullopt;
  }

  std::vector<std::string> pieces_;
  std::vector<std::vector<size_t>> failure_;  // KMP tables, inner pieces only
};

}  // namespace

struct ChoiceNode {
  Kind kind = Kind::kAnd;
  Family family = Family::kBoolean;
  Relation relation = Relation::kEq;
  TypeTest test = TypeTest::kBoolean;
  std::vector<std::unique_ptr<ChoiceNode>> children;  // And / Or / Not
  std::optional<JsonPath> variable;
  std::optional<JsonPath> operand_path;  // *Path operators
  Json literal;                          // literal operand (bool, number, string)
  bool flag = false;                     // Is* operand
  Timestamp timestamp;                   // Timestamp* literal, pre-parsed
  StringPattern pattern;                 // StringMatches
};

namespace {

// ---------------------------------------------------------------------------
// Parsing

std::string TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

std::optional<JsonPath> ParsePathField(const Json& value, const std::string& field,
                                       const std::string& pointer, Diagnostics& diags) {
  if (!value.is_string()) {
    diags.Add(pointer,
              field + " must be a JSONPath string starting with '$', not " + TypeName(value));
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty() || text[0] != '$') {
    diags.Add(pointer, field + " must be a JSONPath starting with '$': '" + text + "'");
    return std::nullopt;
  }
  auto parsed = JsonPath::Parse(text);
  if (!parsed) {
    diags.Add(pointer, field + ": " + parsed.error().cause);
    return std::nullopt;
  }
  return std::move(*parsed);
}

std::unique_ptr<ChoiceNode> ParseNode(const Json& rule, const std::string& pointer, bool top_level,
                                      Diagnostics& diags, std::string* next,
                                      std::unique_ptr<Json>* assign);

// Parses the operand of `op` (found at `pointer`) into `node`.
bool ParseOperand(const OperatorInfo& op, const Json& value, const std::string& pointer,
                  ChoiceNode& node, Diagnostics& diags) {
  const std::string name(op.name);
  if (op.path) {
    node.operand_path = ParsePathField(value, name, pointer, diags);
    return node.operand_path.has_value();
  }
  switch (op.kind) {
    case Kind::kIsType:
    case Kind::kIsPresent:
      if (!value.is_boolean()) {
        diags.Add(pointer, name + " must be true or false, not " + TypeName(value));
        return false;
      }
      node.flag = value.get<bool>();
      return true;
    case Kind::kMatches:
      if (!value.is_string()) {
        diags.Add(pointer, name + " must be a string, not " + TypeName(value));
        return false;
      }
      node.pattern.Compile(value.get_ref<const std::string&>());
      return true;
    case Kind::kCompare:
      break;
    default:
      return false;
  }
  switch (op.family) {
    case Family::kBoolean:
      if (!value.is_boolean()) {
        diags.Add(pointer, name + " must be true or false, not " + TypeName(value));
        return false;
      }
      break;
    case Family::kNumeric:
      if (!value.is_number()) {
        diags.Add(pointer, name + " must be a number, not " + TypeName(value));
        return false;
      }
      break;
    case Family::kString:
      if (!value.is_string()) {
        diags.Add(pointer, name + " must be a string, not " + TypeName(value));
        return false;
      }
      break;
    case Family::kTimestamp: {
      if (!value.is_string()) {
        diags.Add(pointer, name + " must be a timestamp string, not " + TypeName(value));
        return false;
      }
      const auto& text = value.get_ref<const std::string&>();
      auto ts = ParseTimestamp(text);
      if (!ts) {
        diags.Add(pointer, name + ": '" + text +
                               "' is not an ISO-8601 timestamp with a time zone, e.g. "
                               "2016-08-18T17:33:00Z");
        return false;
      }
      node.timestamp = *ts;
      break;
    }
  }
  node.literal = value;
  return true;
}

std::unique_ptr<ChoiceNode> ParseNode(const Json& rule, const std::string& pointer, bool top_level,
                                      Diagnostics& diags, std::string* next,
                                      std::unique_ptr<Json>* assign) {
  if (!rule.is_object()) {
    diags.Add(pointer, "a Choice rule must be an object, not " + TypeName(rule));
    return nullptr;
  }
  bool ok = true;
  const Json* variable = nullptr;
  std::vector<std::pair<std::string, const Json*>> selectors;  // operators and And/Or/Not
  const OperatorInfo* op = nullptr;
  bool saw_next = false;

  for (auto it = rule.begin(); it != rule.end(); ++it) {
    const std::string& key = it.key();
    const Json& value = it.value();
    const std::string field_pointer = PointerAppend(pointer, key);
    if (key == "Variable") {
      variable = &value;
    } else if (key == "Next") {
      saw_next = true;
      if (!top_level) {
        diags.Add(field_pointer, "Next is only allowed in a top-level Choice rule");
        ok = false;
      } else if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        diags.Add(field_pointer, "Next must be a non-empty state name");
        ok = false;
      } else if (next) {
        *next = value.get<std::string>();
      }
    } else if (key == "Assign") {
      if (!top_level) {
        diags.Add(field_pointer, "Assign is only allowed in a top-level Choice rule");
        ok = false;
      } else if (!value.is_object()) {
        diags.Add(field_pointer, "Assign must be an object, not " + TypeName(value));
        ok = false;
      } else if (assign) {
        *assign = std::make_unique<Json>(value);
      }
    } else if (key == "Comment") {
      if (!value.is_string()) {
        diags.Add(field_pointer, "Comment must be a string");
        ok = false;
      }
    } else if (key == "And" || key == "Or" || key == "Not") {
      selectors.emplace_back(key, &value);
    } else if (const OperatorInfo* found = FindOperator(key)) {
      selectors.emplace_back(key, &value);
      op = found;
    } else if (key == "Condition" || key == "Output") {
      diags.Add(field_pointer, key +
                                   " is a JSONata field; with JSONPath a Choice rule uses "
                                   "Variable and a comparison operator");
      ok = false;
    } else {
      diags.Add(field_pointer, "unknown field '" + key + "' in a Choice rule");
      ok = false;
    }
  }

  if (top_level && !saw_next) {
    diags.Add(pointer, "a top-level Choice rule needs Next");
    ok = false;
  }
  if (selectors.empty()) {
    diags.Add(pointer,
              "a Choice rule needs one comparison operator (e.g. StringEquals, IsPresent) "
              "or one of And, Or, Not");
    return nullptr;
  }
  if (selectors.size() > 1) {
    std::string names;
    for (const auto& [name, value] : selectors) {
      names += names.empty() ? "" : ", ";
      names += name;
    }
    diags.Add(pointer,
              "a Choice rule must have exactly one of a comparison operator, And, Or, "
              "Not; found " +
                  names);
    return nullptr;
  }

  auto node = std::make_unique<ChoiceNode>();
  const auto& [name, value] = selectors.front();
  const std::string value_pointer = PointerAppend(pointer, name);

  if (!op) {  // And / Or / Not
    if (variable) {
      diags.Add(PointerAppend(pointer, "Variable"),
                "Variable is not allowed next to " + name + "; put it in the nested rules");
      ok = false;
    }
    if (name == "Not") {
      node->kind = Kind::kNot;
      auto child = ParseNode(*value, value_pointer, false, diags, nullptr, nullptr);
      if (!child) return nullptr;
      node->children.push_back(std::move(child));
    } else {
      node->kind = name == "And" ? Kind::kAnd : Kind::kOr;
      if (!value->is_array() || value->empty()) {
        diags.Add(value_pointer, name + " must be a non-empty array of Choice rules");
        return nullptr;
      }
      for (size_t i = 0; i < value->size(); ++i) {
        auto child =
            ParseNode((*value)[i], PointerAppend(value_pointer, i), false, diags, nullptr, nullptr);
        if (!child) {
          ok = false;
        } else {
          node->children.push_back(std::move(child));
        }
      }
    }
    return ok ? std::move(node) : nullptr;
  }

  node->kind = op->kind;
  node->family = op->family;
  node->relation = op->relation;
  node->test = op->test;
  if (!variable) {
    diags.Add(pointer, "a Choice rule with " + name + " needs Variable");
    ok = false;
  } else {
    node->variable =
        ParsePathField(*variable, "Variable", PointerAppend(pointer, "Variable"), diags);
    if (!node->variable) ok = false;
  }
  if (!ParseOperand(*op, *value, value_pointer, *node, diags)) ok = false;
  return ok ? std::move(node) : nullptr;
}

void CollectPaths(const ChoiceNode& node, std::vector<const JsonPath*>& out) {
  if (node.variable) out.push_back(&*node.variable);
  if (node.operand_path) out.push_back(&*node.operand_path);
  for (const auto& child : node.children) CollectPaths(*child, out);
}

// ---------------------------------------------------------------------------
// Evaluation

// The value a path names: a pointer into the env's documents for definite
// paths (no copy), or an owned array of matches for the others.
struct Resolved {
  const Json* value = nullptr;
  std::optional<Json> owned;
};

bool Resolve(const JsonPath& path, const PathEnv& env, Resolved& out) {
  const Json* root = nullptr;
  switch (path.root()) {
    case JsonPath::Root::kInput:
      root = &env.Input();
      break;
    case JsonPath::Root::kContext:
      root = &env.Context();
      break;
    case JsonPath::Root::kVariable:
      root = env.Variable(path.variable_name());
      break;
  }
  if (!root) return false;
  if (path.is_definite()) {
    out.value = path.Find(*root);
    return out.value != nullptr;
  }
  out.owned = path.Evaluate(*root);
  if (!out.owned) return false;
  out.value = &*out.owned;
  return true;
}

Unexpected<Error> InvalidPath(const JsonPath& path) {
  return Fail("States.Runtime", "Invalid path '" + path.text() +
                                    "': The choice state's condition path references an "
                                    "invalid value.");
}

// Exact comparison of an integer with a double (no rounding of the integer).
template <typename Int>
std::partial_ordering CompareIntDouble(Int i, double d) {
  if (d != d) return std::partial_ordering::unordered;
  constexpr double kLow = std::is_signed_v<Int> ? -9223372036854775808.0 : 0.0;
  constexpr double kHigh =
      std::is_signed_v<Int> ? 9223372036854775808.0 : 18446744073709551616.0;  // 2^63, 2^64
  if (d < kLow) return std::partial_ordering::greater;
  if (d >= kHigh) return std::partial_ordering::less;
  // d is within Int's range, so its integral part converts exactly (both ways).
  const Int t = static_cast<Int>(d);
  if (i < t) return std::partial_ordering::less;
  if (i > t) return std::partial_ordering::greater;
  const double fraction = d - static_cast<double>(t);
  if (fraction > 0) return std::partial_ordering::less;
  if (fraction < 0) return std::partial_ordering::greater;
  return std::partial_ordering::equivalent;
}

std::partial_ordering Reverse(std::partial_ordering o) {
  if (o == std::partial_ordering::less) return std::partial_ordering::greater;
  if (o == std::partial_ordering::greater) return std::partial_ordering::less;
  return o;
}

// Both arguments must be numbers.
std::partial_ordering CompareNumbers(const Json& a, const Json& b) {
  using U = Json::number_unsigned_t;
  using I = Json::number_integer_t;
  using F = Json::number_float_t;
  const bool af = a.is_number_float();
  const bool bf = b.is_number_float();
  if (af && bf) return *a.get_ptr<const F*>() <=> *b.get_ptr<const F*>();
  if (af) return Reverse(CompareNumbers(b, a));
  if (bf) {
    const F d = *b.get_ptr<const F*>();
    if (a.is_number_unsigned()) return CompareIntDouble<U>(*a.get_ptr<const U*>(), d);
    return CompareIntDouble<I>(*a.get_ptr<const I*>(), d);
  }
  const bool au = a.is_number_unsigned();
  const bool bu = b.is_number_unsigned();
  if (au && bu) return *a.get_ptr<const U*>() <=> *b.get_ptr<const U*>();
  if (!au && !bu) return *a.get_ptr<const I*>() <=> *b.get_ptr<const I*>();
  if (au) {
    const I bi = *b.get_ptr<const I*>();
    if (bi < 0) return std::partial_ordering::greater;
    return *a.get_ptr<const U*>() <=> static_cast<U>(bi);
  }
  const I ai = *a.get_ptr<const I*>();
  if (ai < 0) return std::partial_ordering::less;
  return static_cast<U>(ai) <=> *b.get_ptr<const U*>();
}

// Decodes the UTF-8 code point starting at s[i]; nullopt when malformed.
std::optional<char32_t> DecodeAt(std::string_view s, size_t i) {
  if (i >= s.size()) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = 0;
  char32_t cp = 0;
  if (b0 < 0x80) return b0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return std::nullopt;
  }
  if (i + len > s.size()) return std::nullopt;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  return cp;
}

// The first UTF-16 code unit of a code point.
char32_t FirstUtf16Unit(char32_t cp) { return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10); }

// Orders strings the way Java's String.compareTo does (by UTF-16 code units),
// which differs from UTF-8 byte order only between supplementary characters
// and U+E000..U+FFFF.
std::strong_ordering CompareStrings(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() <=> b.size();
  size_t start = i;
  while (start > 0 && (static_cast<unsigned char>(a[start]) & 0xC0) == 0x80) --start;
  auto ca = DecodeAt(a, start);
  auto cb = DecodeAt(b, start);
  if (ca && cb) {
    const char32_t ua = FirstUtf16Unit(*ca);
    const char32_t ub = FirstUtf16Unit(*cb);
    if (ua != ub) return ua <=> ub;
    return *ca <=> *cb;
  }
  return static_cast<unsigned char>(a[i]) <=> static_cast<unsigned char>(b[i]);
}

bool Holds(Relation r, std::partial_ordering o) {
  switch (r) {
    case Relation::kEq:
      return o == 0;
    case Relation::kLt:
      return o < 0;
    case Relation::kLe:
      return o <= 0;
    case Relation::kGt:
      return o > 0;
    case Relation::kGe:
      return o >= 0;
  }
  return false;
}

bool TypeMatches(TypeTest test, const Json& v) {
  switch (test) {
    case TypeTest::kBoolean:
      return v.is_boolean();
    case TypeTest::kNull:
      return v.is_null();
    case TypeTest::kNumeric:
      return v.is_number();
    case TypeTest::kString:
      return v.is_string();
    case TypeTest::kTimestamp:
      return v.is_string() && ParseTimestamp(v.get_ref<const std::string&>()).has_value();
  }
  return false;
}

// A comparison of values of the wrong type is false, as on AWS.
bool Compare(const ChoiceNode& node, const Json& lhs, const Json& rhs) {
  switch (node.family) {
    case Family::kBoolean:
      return lhs.is_boolean() && rhs.is_boolean() && lhs.get<bool>() == rhs.get<bool>();
    case Family::kNumeric:
      return lhs.is_number() && rhs.is_number() && Holds(node.relation, CompareNumbers(lhs, rhs));
    case Family::kString:
      return lhs.is_string() && rhs.is_string() &&
             Holds(node.relation, CompareStrings(lhs.get_ref<const std::string&>(),
                                                 rhs.get_ref<const std::string&>()));
    case Family::kTimestamp: {
      if (!lhs.is_string()) return false;
      auto left = ParseTimestamp(lhs.get_ref<const std::string&>());
      if (!left) return false;
      Timestamp right = node.timestamp;
      if (node.operand_path) {
        if (!rhs.is_string()) return false;
        auto parsed = ParseTimestamp(rhs.get_ref<const std::string&>());
        if (!parsed) return false;
        right = *parsed;
      }
      return Holds(node.relation, *left <=> right);
    }
  }
  return false;
}

Result<bool> Evaluate(const ChoiceNode& node, const PathEnv& env) {
  switch (node.kind) {
    case Kind::kAnd:
      for (const auto& child : node.children) {
        Result<bool> r = Evaluate(*child, env);
        if (!r || !*r) return r;
      }
      return true;
    case Kind::kOr:
      for (const auto& child : node.children) {
        Result<bool> r = Evaluate(*child, env);
        if (!r || *r) return r;
      }
      return false;
    case Kind::kNot: {
      Result<bool> r = Evaluate(*node.children.front(), env);
      if (!r) return r;
      return !*r;
    }
    default:
      break;
  }

  Resolved var;
  if (!Resolve(*node.variable, env, var)) {
    if (node.kind == Kind::kIsPresent) return !node.flag;
    return InvalidPath(*node.variable);
  }
  switch (node.kind) {
    case Kind::kIsPresent:
      return node.flag;
    case Kind::kIsType:
      return TypeMatches(node.test, *var.value) == node.flag;
    case Kind::kMatches:
      return var.value->is_string() &&
             node.pattern.Matches(var.value->get_ref<const std::string&>());
    default:
      break;
  }
  if (node.operand_path) {
    Resolved operand;
    if (!Resolve(*node.operand_path, env, operand)) return InvalidPath(*node.operand_path);
    return Compare(node, *var.value, *operand.value);
  }
  return Compare(node, *var.value, node.literal);
}

}  // namespace

ChoiceRule::ChoiceRule(std::unique_ptr<ChoiceNode> root, std::string next,
                       std::unique_ptr<Json> assign)
    : root_(std::move(root)), next_(std::move(next)), assign_(std::move(assign)) {}

ChoiceRule::~ChoiceRule() = default;

std::vector<const JsonPath*> ChoiceRule::Paths() const {
  std::vector<const JsonPath*> out;
  CollectPaths(*root_, out);
  return out;
}

std::unique_ptr<ChoiceRule> ParseChoiceRule(const Json& rule, const std::string& pointer,
                                            bool top_level, Diagnostics& diags) {
  try {
    std::string next;
    std::unique_ptr<Json> assign;
    auto root = ParseNode(rule, pointer, top_level, diags, &next, &assign);
    if (!root) return nullptr;
    return std::make_unique<ChoiceRule>(std::move(root), std::move(next), std::move(assign));
  } catch (const std::exception& e) {  // allocation failure; nlohmann does not throw here
    diags.Add(pointer, std::string("internal error while parsing the Choice rule: ") + e.what());
    return nullptr;
  }
}

Result<bool> EvaluateChoiceRule(const ChoiceRule& rule, const PathEnv& env) {
  return Evaluate(rule.root(), env);
}

}  // namespace hpcflow::workflows
