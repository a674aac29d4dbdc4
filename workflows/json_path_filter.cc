#include "workflows/json_path_filter.h"

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflows/json_path.h"

namespace hpcflow::workflows {

namespace {
// Bounds the recursion of the expression parser and evaluator.
constexpr int kMaxFilterDepth = 64;
}  // namespace

struct FilterExpr {
  enum class Kind { kLiteral, kRelative, kAbsolute, kNot, kAnd, kOr, kCompare };
  Kind kind = Kind::kLiteral;
  Json literal;
  std::optional<JsonPath> path;
  std::string op;  // for kCompare
  std::shared_ptr<const FilterExpr> lhs, rhs;
};

namespace {

class FilterParser {
 public:
  explicit FilterParser(std::string_view text) : text_(text) {}

  Result<std::shared_ptr<const FilterExpr>> Parse() {
    auto expr = ParseOr(0);
    if (!expr) return expr;
    SkipSpaces();
    if (pos_ != text_.size()) return Error("unexpected text in filter");
    return expr;
  }

 private:
  using Ptr = std::shared_ptr<const FilterExpr>;

  Unexpected<hpcflow::Error> Error(const std::string& what) const {
    return Fail("parse", what + " at filter offset " + std::to_string(pos_));
  }
  void SkipSpaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool Take(std::string_view token) {
    SkipSpaces();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }

  Result<Ptr> ParseOr(int depth) {
    if (depth > kMaxFilterDepth) return Error("filter nested too deeply");
    auto lhs = ParseAnd(depth + 1);
    if (!lhs) return lhs;
    while (Take("||")) {
      auto rhs = ParseAnd(depth + 1);
      if (!rhs) return rhs;
      lhs = Binary(FilterExpr::Kind::kOr, "||", *lhs, *rhs);
    }
    return lhs;
  }

  Result<Ptr> ParseAnd(int depth) {
    auto lhs = ParseUnary(depth + 1);
    if (!lhs) return lhs;
    while (Take("&&")) {
      auto rhs = ParseUnary(depth + 1);
      if (!rhs) return rhs;
      lhs = Binary(FilterExpr::Kind::kAnd, "&&", *lhs, *rhs);
    }
    return lhs;
  }

  Result<Ptr> ParseUnary(int depth) {
    if (depth > kMaxFilterDepth) return Error("filter nested too deeply");
    SkipSpaces();
    if (pos_ < text_.size() && text_[pos_] == '!' && text_.substr(pos_, 2) != "!=") {
      ++pos_;
      auto inner = ParseUnary(depth + 1);
      if (!inner) return inner;
      auto e = std::make_shared<FilterExpr>();
      e->kind = FilterExpr::Kind::kNot;
      e->lhs = *inner;
      return Ptr(e);
    }
    if (Take("(")) {
      auto inner = ParseOr(depth + 1);
      if (!inner) return inner;
      if (!Take(")")) return Error("expected ')'");
      return inner;
    }
    auto lhs = ParseOperand();
    if (!lhs) return lhs;
    for (std::string_view op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (Take(op)) {
        auto rhs = ParseOperand();
        if (!rhs) return rhs;
        return Binary(FilterExpr::Kind::kCompare, std::string(op), *lhs, *rhs);
      }
    }
    return lhs;
  }

  Result<Ptr> ParseOperand() {
    SkipSpaces();
    if (pos_ >= text_.size()) return Error("expected an operand");
    auto e = std::make_shared<FilterExpr>();
    char c = text_[pos_];
    if (c == '@' || c == '$') {
      size_t start = pos_;
      ++pos_;
      int bracket = 0;
      char quote = 0;
      while (pos_ < text_.size()) {
        char ch = text_[pos_];
        if (quote) {
          if (ch == quote) quote = 0;
        } else if (ch == '\'' || ch == '"') {
          quote = ch;
        } else if (ch == '[') {
          ++bracket;
        } else if (ch == ']') {
          --bracket;
        } else if (bracket == 0 &&
                   !(ch == '.' || ch == '_' || std::isalnum(static_cast<unsigned char>(ch)) ||
                     ch == '*' || ch == '$' || static_cast<unsigned char>(ch) >= 0x80)) {
          break;
        }
        ++pos_;
      }
      std::string path_text(text_.substr(start, pos_ - start));
      if (c == '@') path_text[0] = '$';
      auto path = JsonPath::Parse(path_text);
      if (!path) return Error(path.error().cause);
      e->kind = c == '@' ? FilterExpr::Kind::kRelative : FilterExpr::Kind::kAbsolute;
      e->path = std::move(*path);
      return Ptr(e);
    }
    if (c == '\'' || c == '"') {
      ++pos_;
      std::string s;
      while (pos_ < text_.size() && text_[pos_] != c) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        s += text_[pos_++];
      }
      if (pos_ >= text_.size()) return Error("unterminated string");
      ++pos_;
      e->literal = s;
      return Ptr(e);
    }
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
            text_[pos_] == '-' || text_[pos_] == '+')) {
      ++pos_;
    }
    std::string_view word = text_.substr(start, pos_ - start);
    if (word.empty()) return Error("expected an operand");
    if (word == "true" || word == "false" || word == "null") {
      e->literal = word == "null" ? Json(nullptr) : Json(word == "true");
      return Ptr(e);
    }
    auto number = ParseJson(word);
    if (!number || !number->is_number()) return Error("bad literal '" + std::string(word) + "'");
    e->literal = std::move(*number);
    return Ptr(e);
  }

  static Ptr Binary(FilterExpr::Kind kind, std::string op, Ptr lhs, Ptr rhs) {
    auto e = std::make_shared<FilterExpr>();
    e->kind = kind;
    e->op = std::move(op);
    e->lhs = std::move(lhs);
    e->rhs = std::move(rhs);
    return e;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

std::optional<Json> Operand(const FilterExpr& e, const Json& element, const Json& root) {
  switch (e.kind) {
    case FilterExpr::Kind::kLiteral:
      return e.literal;
    case FilterExpr::Kind::kRelative:
      return e.path->Evaluate(element);
    case FilterExpr::Kind::kAbsolute:
      return e.path->Evaluate(root);
    default:
      return std::nullopt;
  }
}

bool Compare(const std::string& op, const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    if (op == "==") return x == y;
    if (op == "!=") return x != y;
    if (op == "<") return x < y;
    if (op == "<=") return x <= y;
    if (op == ">") return x > y;
    return x >= y;
  }
  if (a.is_string() && b.is_string()) {
    const auto& x = a.get_ref<const std::string&>();
    const auto& y = b.get_ref<const std::string&>();
    if (op == "==") return x == y;
    if (op == "!=") return x != y;
    if (op == "<") return x < y;
    if (op == "<=") return x <= y;
    if (op == ">") return x > y;
    return x >= y;
  }
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  return false;
}

bool Evaluate(const FilterExpr& e, const Json& element, const Json& root) {
  switch (e.kind) {
    case FilterExpr::Kind::kNot:
      return !Evaluate(*e.lhs, element, root);
    case FilterExpr::Kind::kAnd:
      return Evaluate(*e.lhs, element, root) && Evaluate(*e.rhs, element, root);
    case FilterExpr::Kind::kOr:
      return Evaluate(*e.lhs, element, root) || Evaluate(*e.rhs, element, root);
    case FilterExpr::Kind::kCompare: {
      auto a = Operand(*e.lhs, element, root);
      auto b = Operand(*e.rhs, element, root);
      if (!a || !b) return e.op == "!=" && (a.has_value() != b.has_value());
      return Compare(e.op, *a, *b);
    }
    default: {
      auto v = Operand(e, element, root);
      if (!v) return false;
      if (e.kind == FilterExpr::Kind::kLiteral) return !(v->is_null() || *v == false);
      // A path that is indefinite yields an array of matches: true when non-empty.
      if (!e.path->is_definite()) return !v->empty();
      return true;
    }
  }
}

}  // namespace

Result<std::shared_ptr<const FilterExpr>> ParseFilterExpr(std::string_view text) {
  return FilterParser(text).Parse();
}

bool EvaluateFilter(const FilterExpr& expr, const Json& element, const Json& root) {
  return Evaluate(expr, element, root);
}

}  // namespace hpcflow::workflows
