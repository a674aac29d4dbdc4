#include "workflows/timestamp.h"

#include <cstdio>
#include <limits>

namespace hpcflow::workflows {
namespace {

constexpr int64_t kMaxYear = 999'999'999;  // Java's Year.MAX_VALUE
constexpr int32_t kMaxOffsetSeconds = 18 * 3600;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), valid for the whole int64 year range we accept.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// A cursor over the text; every Read* returns false without guarantees about
// the position when the text does not match.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  char PeekAt(size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void Skip() { ++pos_; }

  bool Literal(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // Java's parseCaseInsensitive() applies to the 'T' and 'Z' literals.
  bool LiteralIgnoreCase(char upper) {
    char c = Peek();
    if (c != upper && c != upper - 'A' + 'a') return false;
    ++pos_;
    return true;
  }

  // Exactly `width` ASCII digits.
  bool Fixed(int width, int& out) {
    int value = 0;
    for (int i = 0; i < width; ++i) {
      char c = Peek();
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
      ++pos_;
    }
    out = value;
    return true;
  }

  // Up to `max` digits; returns how many were read.
  int Digits(int max, int64_t& out) {
    int n = 0;
    int64_t value = 0;
    while (n < max) {
      char c = Peek();
      if (c < '0' || c > '9') break;
      value = value * 10 + (c - '0');
      ++pos_;
      ++n;
    }
    out = value;
    return n;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Year as appendValue(YEAR, 4, 10, SignStyle.EXCEEDS_PAD) parses it strictly:
// four digits without sign, '+' only (and then required) above four digits,
// '-' for negative years.
bool ReadYear(Scanner& s, int64_t& year) {
  char sign = s.Peek();
  bool plus = sign == '+';
  bool minus = sign == '-';
  if (plus || minus) s.Skip();
  int64_t value = 0;
  int n = s.Digits(10, value);
  if (n < 4) return false;
  if (plus && n <= 4) return false;
  if (!plus && !minus && n > 4) return false;
  if (minus && value == 0) return false;  // "-0000" is rejected in strict mode
  if (value > kMaxYear) return false;
  year = minus ? -value : value;
  return true;
}

// "Z" or +HH[:MM[:SS]] (Java's lenient appendOffsetId with pattern +HH:MM:ss).
bool ReadOffset(Scanner& s, int32_t& offset) {
  if (s.LiteralIgnoreCase('Z')) {
    offset = 0;
    return true;
  }
  char sign = s.Peek();
  if (sign != '+' && sign != '-') return false;
  s.Skip();
  int hours = 0;
  int minutes = 0;
  int seconds = 0;
  if (!s.Fixed(2, hours)) return false;
  auto two_digits_follow = [&s] {
    return s.Peek() == ':' && s.PeekAt(1) >= '0' && s.PeekAt(1) <= '9' && s.PeekAt(2) >= '0' &&
           s.PeekAt(2) <= '9';
  };
  if (two_digits_follow()) {
    s.Skip();
    s.Fixed(2, minutes);
    if (two_digits_follow()) {
      s.Skip();
      s.Fixed(2, seconds);
    }
  }
  if (hours > 23 || minutes > 59 || seconds > 59) return false;
  int32_t total = hours * 3600 + minutes * 60 + seconds;
  if (total > kMaxOffsetSeconds) return false;
  offset = sign == '-' ? -total : total;
  return true;
}

void AppendPadded(std::string& out, int64_t value, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(value));
  out += buf;
}

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view text) {
  Scanner s(text);
  int64_t year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int32_t nanos = 0;
  int32_t offset = 0;

  if (!ReadYear(s, year) || !s.Literal('-') || !s.Fixed(2, month) || !s.Literal('-') ||
      !s.Fixed(2, day) || !s.LiteralIgnoreCase('T') || !s.Fixed(2, hour) || !s.Literal(':') ||
      !s.Fixed(2, minute)) {
    return std::nullopt;
  }
  if (s.Peek() == ':') {
    s.Skip();
    if (!s.Fixed(2, second)) return std::nullopt;
    // Java's appendFraction(NANO, 0, 9, true): a '.' followed by zero to nine
    // digits ("55.Z" included).
    if (s.Peek() == '.') {
      s.Skip();
      int64_t fraction = 0;
      int n = s.Digits(9, fraction);
      for (int i = n; i < 9; ++i) fraction *= 10;
      nanos = static_cast<int32_t>(fraction);
    }
  }
  if (!ReadOffset(s, offset) || !s.AtEnd()) return std::nullopt;

  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;

  Timestamp t;
  t.seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  t.nanos = nanos;
  t.offset_seconds = offset;
  return t;
}

std::string FormatTimestamp(const Timestamp& t) {
  int64_t days = t.seconds / 86400;
  int64_t secs = t.seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  CivilDate date = CivilFromDays(days);
  std::string out;
  out.reserve(32);
  if (date.year > 9999) {
    out += '+';
    AppendPadded(out, date.year, 4);
  } else if (date.year < 0) {
    out += '-';
    AppendPadded(out, -date.year, 4);
  } else {
    AppendPadded(out, date.year, 4);
  }
  out += '-';
  AppendPadded(out, date.month, 2);
  out += '-';
  AppendPadded(out, date.day, 2);
  out += 'T';
  AppendPadded(out, secs / 3600, 2);
  out += ':';
  AppendPadded(out, secs / 60 % 60, 2);
  out += ':';
  AppendPadded(out, secs % 60, 2);
  out += '.';
  AppendPadded(out, t.nanos / 1'000'000, 3);
  out += 'Z';
  return out;
}

Timestamp TimestampFromTimePoint(std::chrono::system_clock::time_point tp) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
  int64_t secs = ns / 1'000'000'000;
  int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    secs -= 1;
  }
  Timestamp t;
  t.seconds = secs;
  t.nanos = static_cast<int32_t>(rem);
  return t;
}

std::chrono::system_clock::time_point ToTimePoint(const Timestamp& t) {
  using Clock = std::chrono::system_clock;
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  // Compare in seconds first so the conversion below cannot overflow.
  const auto max_secs = std::chrono::duration_cast<seconds>(Clock::duration::max()).count() - 1;
  const auto min_secs = std::chrono::duration_cast<seconds>(Clock::duration::min()).count() + 1;
  if (t.seconds > max_secs) return Clock::time_point::max();
  if (t.seconds < min_secs) return Clock::time_point::min();
  auto d = std::chrono::duration_cast<Clock::duration>(seconds(t.seconds)) +
           std::chrono::duration_cast<Clock::duration>(nanoseconds(t.nanos));
  return Clock::time_point(d);
}

}  // namespace hpcflow::workflows
