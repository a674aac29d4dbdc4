// The bodies of the 18 intrinsic functions.
//
// Every function first evaluates all its arguments, left to right (so a path
// that matches nothing is reported before any type problem), then checks
// them. Where AWS's observed behaviour is not what the ASL spec or the AWS
// docs say, the comment says what AWS does; "observed" means seen on AWS by
// third-party conformance suites rather than in our own corpus.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "common/base64.h"
#include "common/digest.h"
#include "workflows/intrinsics_internal.h"

namespace hpcflow::workflows {
namespace {

using F = IntrinsicFunction;

// AWS's limits, from its documentation.
constexpr size_t kMaxEncodedChars = 10000;  // Base64Encode/Base64Decode/Hash input
constexpr int64_t kMaxRangeItems = 1000;    // ArrayRange output
constexpr int kMaxJsonDepth = 1000;         // StringToJson (Jackson's default)

Status EvalArgs(const IntrinsicNode& node, EvalContext& ctx, Value* out) {
  for (size_t i = 0; i < node.args.size(); ++i) {
    auto value = EvaluateArg(node.args[i], ctx);
    if (!value) return Fail(value.error());
    out[i] = std::move(*value);
  }
  return {};
}

// Fixed-arity functions evaluate into a small array, variadic ones into a vector.
template <size_t N>
using Args = std::array<Value, N>;

const std::string* AsString(const Json& value) {
  return value.is_string() ? &value.get_ref<const std::string&>() : nullptr;
}

// --- States.Format ----------------------------------------------------------

Result<Value> Format(const IntrinsicNode& node, EvalContext& ctx) {
  std::vector<Value> args(node.args.size());
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  FormatTemplate parsed;
  const FormatTemplate* tmpl = nullptr;
  if (node.literal_template) {
    tmpl = &*node.literal_template;
  } else {
    // A template from a path: "{}" placeholders and the same escapes.
    const std::string* text = AsString(args[0].get());
    if (!text) return InvalidArguments(F::kFormat);
    parsed = ParseFormatTemplate(*text);
    tmpl = &parsed;
  }
  if (!tmpl->error.empty()) return Detail(tmpl->error);
  if (tmpl->pieces.size() != args.size()) {
    return Detail(
        "Invalid arguments in States.Format: number of arguments do not match the occurrences "
        "of {}.");
  }
  std::string out = tmpl->pieces[0];
  for (size_t i = 1; i < args.size(); ++i) {
    AppendFormatted(args[i].get(), out);
    out += tmpl->pieces[i];
  }
  return Value::Own(Json(std::move(out)));
}

// --- JSON -------------------------------------------------------------------

Result<Value> StringToJson(const IntrinsicNode& node, EvalContext& ctx) {
  Args<1> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const std::string* text = AsString(args[0].get());
  if (!text) return InvalidArguments(F::kStringToJson);
  // AWS returns null for "" and " " (what Jackson reads from blank text).
  // Blank is Java's trim(): every character at or below U+0020.
  if (std::all_of(text->begin(), text->end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20; })) {
    return Value::Own(Json(nullptr));
  }
  if (JsonNestingDepth(*text, kMaxJsonDepth) > kMaxJsonDepth) {
    return InvalidArguments(F::kStringToJson);
  }
  Json parsed = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidArguments(F::kStringToJson);
  return Value::Own(std::move(parsed));
}

Result<Value> JsonToString(const IntrinsicNode& node, EvalContext& ctx) {
  Args<1> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  return Value::Own(Json(Dump(args[0].get())));
}

Result<Value> JsonMerge(const IntrinsicNode& node, EvalContext& ctx) {
  Args<3> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  if (!args[0].get().is_object() || !args[1].get().is_object()) {
    return InvalidArguments(F::kJsonMerge);
  }
  // Only shallow merging exists. AWS was observed to take a non-boolean flag
  // such as 'false' as shallow; we refuse what reads as true (true, "true").
  const Json& deep = args[2].get();
  const std::string* deep_text = AsString(deep);
  if ((deep.is_boolean() && deep.get<bool>()) || (deep_text && *deep_text == "true")) {
    return InvalidArguments(F::kJsonMerge);
  }
  Json merged = std::move(args[0]).Take();
  for (const auto& [key, value] : args[1].get().items()) merged[key] = value;
  return Value::Own(std::move(merged));
}

// --- Arrays -----------------------------------------------------------------

Result<Value> Array(const IntrinsicNode& node, EvalContext& ctx) {
  std::vector<Value> args(node.args.size());
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  Json out = Json::array();
  for (auto& arg : args) out.push_back(std::move(arg).Take());
  return Value::Own(std::move(out));
}

Result<Value> ArrayPartition(const IntrinsicNode& node, EvalContext& ctx) {
  Args<2> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const Json& array = args[0].get();
  // Observed: 2.6 partitions by 2 and 0.6 is refused, i.e. AWS truncates.
  const auto size = ToInt32(args[1].get(), IntegerConversion::kTruncate);
  if (!array.is_array() || !size || *size <= 0) return InvalidArguments(F::kArrayPartition);
  Json out = Json::array();
  const size_t chunk = static_cast<size_t>(*size);
  for (size_t start = 0; start < array.size(); start += chunk) {
    Json part = Json::array();
    const size_t end = std::min(array.size(), start + chunk);
    for (size_t i = start; i < end; ++i) part.push_back(array[i]);
    out.push_back(std::move(part));
  }
  return Value::Own(std::move(out));
}

// AWS compares ArrayContains values by their text: strings as they are,
// everything else as JSON. So objects match only with the same key order,
// and true matches "true" (both observed on AWS).
std::string ContainsKey(const Json& value) {
  const std::string* text = AsString(value);
  return text ? *text : Dump(value);
}

Result<Value> ArrayContains(const IntrinsicNode& node, EvalContext& ctx) {
  Args<2> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const Json& array = args[0].get();
  if (!array.is_array()) return InvalidArguments(F::kArrayContains);
  const std::string key = ContainsKey(args[1].get());
  const bool found = std::any_of(array.begin(), array.end(),
                                 [&](const Json& item) { return ContainsKey(item) == key; });
  return Value::Own(Json(found));
}

Result<Value> ArrayRange(const IntrinsicNode& node, EvalContext& ctx) {
  Args<3> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  // Observed: ArrayRange(1.6, 1.4, 1) is [1] and (5.4, -0.6, -2.4) is
  // [5, 3, 1]: AWS truncates, although its docs say "rounds".
  const auto start = ToInt32(args[0].get(), IntegerConversion::kTruncate);
  const auto end = ToInt32(args[1].get(), IntegerConversion::kTruncate);
  const auto step = ToInt32(args[2].get(), IntegerConversion::kTruncate);
  if (!start || !end || !step || *step == 0) return InvalidArguments(F::kArrayRange);
  int64_t count = 0;
  if (*step > 0 && *start <= *end) count = (*end - *start) / *step + 1;
  if (*step < 0 && *start >= *end) count = (*start - *end) / -*step + 1;
  // Checked before building anything: ArrayRange(0, 2147483647, 1) must not
  // allocate two billion items.
  if (count > kMaxRangeItems) return InvalidArguments(F::kArrayRange);
  Json out = Json::array();
  for (int64_t i = 0; i < count; ++i) out.push_back(*start + i * *step);
  return Value::Own(std::move(out));
}

Result<Value> ArrayGetItem(const IntrinsicNode& node, EvalContext& ctx) {
  Args<2> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const Json& array = args[0].get();
  // Observed: index 1.2 gives the item at 1 (truncation).
  const auto index = ToInt32(args[1].get(), IntegerConversion::kTruncate);
  if (!array.is_array() || !index || *index < 0) return InvalidArguments(F::kArrayGetItem);
  // Observed: any index into an empty array gives null, while an index past
  // the end of a non-empty array fails.
  if (array.empty()) return Value::Own(Json(nullptr));
  const auto i = static_cast<size_t>(*index);
  if (i >= array.size()) return InvalidArguments(F::kArrayGetItem);
  if (args[0].is_ref()) return Value::Ref(array[i]);
  Json owned = std::move(args[0]).Take();
  return Value::Own(std::move(owned[i]));
}

Result<Value> ArrayLength(const IntrinsicNode& node, EvalContext& ctx) {
  Args<1> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const Json& array = args[0].get();
  if (!array.is_array()) return InvalidArguments(F::kArrayLength);
  return Value::Own(Json(static_cast<int64_t>(array.size())));
}

// ArrayUnique keeps one of each value, in the order of a java.util.HashSet.
// AWS returned [true, false, true, false] as [false, true], [[1,2],[1,2],
// [2,1]] as [[2,1],[1,2]] and [null, null, 1, null] as [null, 1] (observed):
// exactly what new ArrayList<>(new HashSet<>(values)) gives in Java when the
// values are plain Java objects (null, Integer, Long, Double, String,
// Boolean, List, Map). So we reproduce Java's hash codes and HashMap's
// bucket order; the unit tests check it against JDK 17. Not reproduced: the
// order inside a bucket that became a tree (9+ values colliding in a table
// of 64+ buckets), which Java breaks by identity hash codes.

uint32_t JavaStringHash(std::string_view utf8) {
  uint32_t h = 0;
  for (size_t pos = 0; pos < utf8.size();) {
    const uint32_t cp = NextCodePoint(utf8, &pos);
    if (cp >= 0x10000) {
      h = 31 * h + (0xD800 + ((cp - 0x10000) >> 10));
      h = 31 * h + (0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
  }
  return h;
}

uint32_t LongHash(uint64_t v) { return static_cast<uint32_t>(v ^ (v >> 32)); }

uint32_t JavaHash(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return 0;  // HashMap.hash(null)
    case Json::value_t::boolean:
      return v.get<bool>() ? 1231 : 1237;
    case Json::value_t::number_integer: {
      const int64_t x = v.get<int64_t>();
      if (x >= std::numeric_limits<int32_t>::min() && x <= std::numeric_limits<int32_t>::max()) {
        return static_cast<uint32_t>(x);
      }
      return LongHash(static_cast<uint64_t>(x));
    }
    case Json::value_t::number_unsigned: {
      const uint64_t x = v.get<uint64_t>();
      if (x <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return static_cast<uint32_t>(x);
      }
      return LongHash(x);
    }
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (d != d) d = std::numeric_limits<double>::quiet_NaN();  // Java's canonical NaN
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return LongHash(bits);
    }
    case Json::value_t::string:
      return JavaStringHash(v.get_ref<const std::string&>());
    case Json::value_t::array: {
      uint32_t h = 1;
      for (const auto& item : v) h = 31 * h + JavaHash(item);
      return h;
    }
    case Json::value_t::object: {
      uint32_t h = 0;
      for (auto it = v.begin(); it != v.end(); ++it) h += JavaStringHash(it.key()) ^ JavaHash(*it);
      return h;
    }
    default:
      return 0;
  }
}

// Java's equals on those objects: Integer 1 and Double 1.0 differ, Map key
// order does not matter.
bool JavaEquals(const Json& a, const Json& b) {
  const bool a_int = a.is_number_integer(), b_int = b.is_number_integer();  // incl. unsigned
  if (a_int || b_int) return a_int && b_int && a == b;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      if (x != x || y != y) return x != x && y != y;
      return x == y && std::signbit(x) == std::signbit(y);
    }
    case Json::value_t::array:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!JavaEquals(a[i], b[i])) return false;
      }
      return true;
    case Json::value_t::object:
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto other = b.find(it.key());
        if (other == b.end() || !JavaEquals(*it, *other)) return false;
      }
      return true;
    default:
      return a == b;
  }
}

uint32_t Spread(uint32_t h) { return h ^ (h >> 16); }

Result<Value> ArrayUnique(const IntrinsicNode& node, EvalContext& ctx) {
  Args<1> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const Json& array = args[0].get();
  if (!array.is_array()) return InvalidArguments(F::kArrayUnique);

  struct Kept {
    size_t index;  // into `array`
    uint32_t hash;
  };
  std::vector<Kept> kept;
  std::unordered_map<uint32_t, std::vector<size_t>> by_hash;  // hash -> positions in kept
  // new HashSet<>(list) sizes its table for the whole list, duplicates
  // included (JDK 8-18: max((int)(n / .75f) + 1, 16), rounded up to a power
  // of two), so it never grows for the load factor.
  const size_t wanted =
      std::max<size_t>(static_cast<size_t>(static_cast<float>(array.size()) / 0.75f) + 1, 16);
  size_t capacity = 16;
  while (capacity < wanted) capacity *= 2;
  size_t threshold = capacity / 4 * 3;
  std::vector<uint32_t> chain(capacity, 0);
  auto resize = [&] {
    capacity *= 2;
    threshold *= 2;
    chain.assign(capacity, 0);
    for (const auto& k : kept) ++chain[Spread(k.hash) & (capacity - 1)];
  };
  for (size_t i = 0; i < array.size(); ++i) {
    const uint32_t h = JavaHash(array[i]);
    auto& same_hash = by_hash[h];
    const bool duplicate = std::any_of(same_hash.begin(), same_hash.end(), [&](size_t k) {
      return JavaEquals(array[kept[k].index], array[i]);
    });
    if (duplicate) continue;
    const uint32_t bucket = Spread(h) & (capacity - 1);
    const uint32_t existing = chain[bucket]++;
    same_hash.push_back(kept.size());
    kept.push_back({i, h});
    // HashMap.putVal: a chain reaching 8 makes a small table grow instead of
    // turning into a tree; then the usual load-factor check.
    if (existing >= 8 && capacity < 64) resize();
    if (kept.size() > threshold) resize();
  }
  std::stable_sort(kept.begin(), kept.end(), [&](const Kept& a, const Kept& b) {
    return (Spread(a.hash) & (capacity - 1)) < (Spread(b.hash) & (capacity - 1));
  });
  Json out = Json::array();
  for (const auto& k : kept) out.push_back(array[k.index]);
  return Value::Own(std::move(out));
}

// --- Encoding and hashing ---------------------------------------------------

Result<Value> Base64Encode(const IntrinsicNode& node, EvalContext& ctx) {
  Args<1> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const std::string* text = AsString(args[0].get());
  if (!text || Utf16Length(*text) > kMaxEncodedChars) return InvalidArguments(F::kBase64Encode);
  return Value::Own(Json(hpcflow::Base64Encode(*text)));
}

Result<Value> Base64Decode(const IntrinsicNode& node, EvalContext& ctx) {
  Args<1> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const std::string* text = AsString(args[0].get());
  if (!text || Utf16Length(*text) > kMaxEncodedChars) return InvalidArguments(F::kBase64Decode);
  // Observed: AWS decodes '!!!invalid!!!', 'abc' and ' YWJjZA== ' instead of
  // failing. Bytes that are not UTF-8 become U+FFFD, as in Java's
  // new String(bytes, UTF_8); a JSON string cannot hold them otherwise.
  return Value::Own(Json(SanitizeUtf8(Base64DecodeLenient(*text))));
}

Result<Value> Hash(const IntrinsicNode& node, EvalContext& ctx) {
  Args<2> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const std::string* algorithm = AsString(args[1].get());
  if (!algorithm) return InvalidArguments(F::kHash);
  // Observed: AWS hashes a number or an object by its JSON text.
  const std::string* text = AsString(args[0].get());
  const std::string data = text ? *text : Dump(args[0].get());
  if (Utf16Length(data) > kMaxEncodedChars) return InvalidArguments(F::kHash);
  auto digest = DigestHex(*algorithm, data);
  if (!digest) return InvalidArguments(F::kHash);
  return Value::Own(Json(std::move(*digest)));
}

// --- Math -------------------------------------------------------------------

Result<Value> MathAdd(const IntrinsicNode& node, EvalContext& ctx) {
  Args<2> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  // The corpus shows each operand rounded half-up on its own
  // (1.5 + 1.51 = 4, -1.5 + 0 = -1); operands and sum are 32-bit (observed).
  const auto a = ToInt32(args[0].get(), IntegerConversion::kRoundHalfUp);
  const auto b = ToInt32(args[1].get(), IntegerConversion::kRoundHalfUp);
  if (!a || !b) return InvalidArguments(F::kMathAdd);
  const int64_t sum = *a + *b;
  if (sum < std::numeric_limits<int32_t>::min() || sum > std::numeric_limits<int32_t>::max()) {
    return InvalidArguments(F::kMathAdd);
  }
  return Value::Own(Json(sum));
}

// java.util.Random, so that a seeded States.MathRandom gives the number a
// Java implementation seeded the same way would.
class JavaRandom {
 public:
  explicit JavaRandom(int64_t seed) : seed_((static_cast<uint64_t>(seed) ^ kMultiplier) & kMask) {}

  int32_t NextInt(int32_t bound) {
    int32_t r = Next(31);
    const int32_t m = bound - 1;
    if ((bound & m) == 0) {
      return static_cast<int32_t>((static_cast<int64_t>(bound) * r) >> 31);
    }
    for (int32_t u = r;
         static_cast<int32_t>(static_cast<uint32_t>(u) - static_cast<uint32_t>(r = u % bound) +
                              static_cast<uint32_t>(m)) < 0;
         u = Next(31)) {
    }
    return r;
  }

 private:
  static constexpr uint64_t kMultiplier = 0x5DEECE66DULL;
  static constexpr uint64_t kMask = (1ULL << 48) - 1;

  int32_t Next(int bits) {
    seed_ = (seed_ * kMultiplier + 0xBULL) & kMask;
    return static_cast<int32_t>(seed_ >> (48 - bits));
  }

  uint64_t seed_;
};

std::optional<int64_t> ToInt64Truncated(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
  if (value.is_number_unsigned()) return static_cast<int64_t>(value.get<uint64_t>());
  if (!value.is_number_float()) return std::nullopt;
  const double d = value.get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  // Java's (long) cast saturates.
  if (d >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (d <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

Result<Value> MathRandom(const IntrinsicNode& node, EvalContext& ctx) {
  Args<3> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  // Observed: the result lies in [start, end); MathRandom(1.6, 5.4) can give
  // 1 and MathRandom(1.4, 1.6) is refused, so the bounds are truncated.
  const auto start = ToInt32(args[0].get(), IntegerConversion::kTruncate);
  const auto end = ToInt32(args[1].get(), IntegerConversion::kTruncate);
  if (!start || !end || *start >= *end) return InvalidArguments(F::kMathRandom);
  const int64_t bound = *end - *start;
  if (node.args.size() == 3) {
    const auto seed = ToInt64Truncated(args[2].get());
    // Java's nextInt(end - start) needs the difference to fit an int.
    if (!seed || bound > std::numeric_limits<int32_t>::max()) {
      return InvalidArguments(F::kMathRandom);
    }
    JavaRandom random(*seed);
    return Value::Own(Json(*start + random.NextInt(static_cast<int32_t>(bound))));
  }
  if (!ctx.random) return Detail("States.MathRandom needs a random source, but none was given");
  return Value::Own(
      Json(*start + static_cast<int64_t>(UniformBelow(*ctx.random, static_cast<uint64_t>(bound)))));
}

// --- Strings ----------------------------------------------------------------

Result<Value> StringSplit(const IntrinsicNode& node, EvalContext& ctx) {
  Args<2> args;
  if (auto ok = EvalArgs(node, ctx, args.data()); !ok) return Fail(ok.error());
  const std::string* text = AsString(args[0].get());
  const std::string* delimiters = AsString(args[1].get());
  if (!text || !delimiters) return InvalidArguments(F::kStringSplit);
  // Java's StringTokenizer: the second argument is a set of delimiter
  // characters and empty tokens are dropped (the corpus: ",,,," gives []).
  std::vector<uint32_t> delims;
  for (size_t pos = 0; pos < delimiters->size();)
    delims.push_back(NextCodePoint(*delimiters, &pos));
  Json out = Json::array();
  size_t token_start = 0;
  for (size_t pos = 0; pos < text->size();) {
    const size_t here = pos;
    const uint32_t cp = NextCodePoint(*text, &pos);
    if (std::find(delims.begin(), delims.end(), cp) != delims.end()) {
      if (here > token_start) out.push_back(text->substr(token_start, here - token_start));
      token_start = pos;
    }
  }
  if (text->size() > token_start) out.push_back(text->substr(token_start));
  return Value::Own(std::move(out));
}

Result<Value> Uuid(const IntrinsicNode&, EvalContext& ctx) {
  if (!ctx.random) return Detail("States.UUID needs a random source, but none was given");
  uint8_t bytes[16];
  const uint64_t hi = ctx.random->Next(), lo = ctx.random->Next();
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  bytes[6] = (bytes[6] & 0x0F) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3F) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return Value::Own(Json(std::move(out)));
}

}  // namespace

Result<Value> CallFunction(const IntrinsicNode& node, EvalContext& ctx) {
  switch (node.function) {
    case F::kFormat:
      return Format(node, ctx);
    case F::kStringToJson:
      return StringToJson(node, ctx);
    case F::kJsonToString:
      return JsonToString(node, ctx);
    case F::kArray:
      return Array(node, ctx);
    case F::kArrayPartition:
      return ArrayPartition(node, ctx);
    case F::kArrayContains:
      return ArrayContains(node, ctx);
    case F::kArrayRange:
      return ArrayRange(node, ctx);
    case F::kArrayGetItem:
      return ArrayGetItem(node, ctx);
    case F::kArrayLength:
      return ArrayLength(node, ctx);
    case F::kArrayUnique:
      return ArrayUnique(node, ctx);
    case F::kBase64Encode:
      return Base64Encode(node, ctx);
    case F::kBase64Decode:
      return Base64Decode(node, ctx);
    case F::kHash:
      return Hash(node, ctx);
    case F::kJsonMerge:
      return JsonMerge(node, ctx);
    case F::kMathRandom:
      return MathRandom(node, ctx);
    case F::kMathAdd:
      return MathAdd(node, ctx);
    case F::kStringSplit:
      return StringSplit(node, ctx);
    case F::kUuid:
      return Uuid(node, ctx);
  }
  return Detail("unknown intrinsic function");
}

}  // namespace hpcflow::workflows
