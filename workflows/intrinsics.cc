// Evaluation of parsed intrinsic calls, and the helpers the function bodies
// (intrinsics_functions.cc) share.
#include <charconv>
#include <cmath>
#include <limits>

#include "common/json.h"
#include "workflows/intrinsics_internal.h"

namespace hpcflow::workflows {

Unexpected<Error> InvalidArguments(IntrinsicFunction function) {
  return Detail("Invalid arguments in " + std::string(IntrinsicFunctionName(function)));
}

Result<Value> EvaluateArg(const IntrinsicArg& arg, EvalContext& ctx) {
  switch (arg.kind) {
    case IntrinsicArg::Kind::kLiteral:
      return Value::Ref(arg.literal);
    case IntrinsicArg::Kind::kCall:
      return EvaluateNode(*arg.call, ctx);
    case IntrinsicArg::Kind::kPath:
      break;
  }
  const JsonPath& path = *arg.path;
  const Json* root = nullptr;
  switch (path.root()) {
    case JsonPath::Root::kInput:
      root = &ctx.env.Input();
      break;
    case JsonPath::Root::kContext:
      root = &ctx.env.Context();
      break;
    case JsonPath::Root::kVariable:
      root = ctx.env.Variable(path.variable_name());
      break;
  }
  if (root) {
    if (path.is_definite()) {
      // The common case ($.count): point into the input instead of copying it.
      if (const Json* found = path.Find(*root)) return Value::Ref(*found);
    } else if (auto found = path.Evaluate(*root)) {
      return Value::Own(std::move(*found));
    }
  }
  // AWS names the state input here even for $$ and variable paths.
  return Detail("The JsonPath argument for the field '" + arg.path_name +
                "' could not be found in the input '" + Dump(ctx.env.Input()) + "'");
}

Result<Value> EvaluateNode(const IntrinsicNode& node, EvalContext& ctx) {
  return CallFunction(node, ctx);
}

Result<Json> EvaluateIntrinsic(const Intrinsic& call, const PathEnv& env, RandomSource* random) {
  try {
    EvalContext ctx{env, random};
    auto value = EvaluateNode(call.root(), ctx);
    if (!value) {
      return Fail("States.Runtime", "The function '" + call.text() +
                                        "' had the following error: " + value.error().cause);
    }
    return std::move(*value).Take();
  } catch (const std::exception& e) {
    // Only allocation failures or a bug can get here; report, don't crash.
    return Fail("States.Runtime",
                "The function '" + call.text() + "' had the following error: " + e.what());
  }
}

// --- Helpers ----------------------------------------------------------------

std::optional<int64_t> ToInt32(const Json& value, IntegerConversion conversion) {
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  // get_ptr: no conversion machinery on this hot path (MathAdd in loops).
  if (const auto* u = value.get_ptr<const Json::number_unsigned_t*>()) {
    if (*u > static_cast<uint64_t>(kMax)) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (const auto* i = value.get_ptr<const Json::number_integer_t*>()) {
    if (*i < kMin || *i > kMax) return std::nullopt;
    return *i;
  }
  const auto* f = value.get_ptr<const Json::number_float_t*>();
  if (!f || !std::isfinite(*f)) return std::nullopt;
  const double d = *f;
  double r;
  if (conversion == IntegerConversion::kTruncate) {
    r = std::trunc(d);
  } else {
    // Java's Math.round: floor(x + 0.5), computed without the rounding error
    // of adding 0.5 (0.49999999999999994 rounds to 0).
    const double fl = std::floor(d);
    r = (d - fl >= 0.5) ? fl + 1 : fl;
  }
  if (r < static_cast<double>(kMin) || r > static_cast<double>(kMax)) return std::nullopt;
  return static_cast<int64_t>(r);
}

uint32_t NextCodePoint(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  int len = 0;
  uint32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *pos = i + 1;
    return 0xFFFD;
  }
  size_t k = i + 1;
  for (int n = 1; n < len; ++n, ++k) {
    const unsigned char lower = n == 1 ? lo : 0x80;
    const unsigned char upper = n == 1 ? hi : 0xBF;
    if (k >= s.size() || byte(k) < lower || byte(k) > upper) {
      // The maximal ill-formed subpart ends here: one U+FFFD for all of it.
      *pos = k;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  *pos = k;
  return cp;
}

size_t Utf16Length(std::string_view utf8) {
  size_t n = 0;
  for (size_t pos = 0; pos < utf8.size();) n += NextCodePoint(utf8, &pos) >= 0x10000 ? 2 : 1;
  return n;
}

std::string SanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    const size_t start = pos;
    const uint32_t cp = NextCodePoint(bytes, &pos);
    const bool well_formed = !(cp == 0xFFFD && bytes.substr(start, pos - start) != "\xEF\xBF\xBD");
    if (well_formed) {
      out.append(bytes.substr(start, pos - start));
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

std::string Dump(const Json& value) { return DumpJson(value); }

void AppendFormatted(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::string:
      out += value.get_ref<const std::string&>();
      return;
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += it.key();
        out += '=';
        AppendFormatted(*it, out);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ", ";
        first = false;
        AppendFormatted(item, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: {
      char buffer[24];
      const std::to_chars_result result =
          value.is_number_unsigned()
              ? std::to_chars(buffer, buffer + sizeof buffer,
                              *value.get_ptr<const Json::number_unsigned_t*>())
              : std::to_chars(buffer, buffer + sizeof buffer,
                              *value.get_ptr<const Json::number_integer_t*>());
      out.append(buffer, result.ptr);
      return;
    }
    case Json::value_t::boolean:
      out += *value.get_ptr<const Json::boolean_t*>() ? "true" : "false";
      return;
    case Json::value_t::null:
      out += "null";
      return;
    default:
      out += Dump(value);  // floats: the same digits as in JSON output
      return;
  }
}

}  // namespace hpcflow::workflows
