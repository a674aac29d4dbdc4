// Timestamps as AWS Step Functions accepts them in Choice rules (Timestamp*
// operators, IsTimestamp) and Wait states (Timestamp, TimestampPath).
//
// AWS parses these with Java's ISO_OFFSET_DATE_TIME ("ISO-8601 extended
// offset date-time", as its error messages say), which is stricter than ISO
// 8601 in some ways and looser than RFC 3339 in others:
//   accepted  2016-03-14T01:59:00Z, ...T01:59:00.243167252Z (0-9 fraction
//             digits), ...T01:59Z (seconds omitted), ...T01:59:00+01:00,
//             offsets +HH, +HH:MM, +HH:MM:SS up to +-18:00, lowercase t / z,
//             years -999999999..+999999999 (more than 4 digits need a sign)
//   rejected  no offset (2016-12-05T21:29:29), a space instead of T, +0100,
//             10+ fraction digits, 24:00, leap second :60, 2016-02-30,
//             anything before or after the timestamp (no trimming).
// The corpus (wait/*, choice/timestamp_*) pins the common cases; the rarer
// ones above follow Java's documented parser behaviour.
#ifndef HPCFLOW_WORKFLOWS_TIMESTAMP_H_
#define HPCFLOW_WORKFLOWS_TIMESTAMP_H_

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hpcflow::workflows {

// An instant with nanosecond precision over the whole range Java accepts
// (seconds as int64, so years far beyond 1678..2262 work). Comparisons look at
// the instant only: 2012-10-09T19:00:55+01:00 == 2012-10-09T18:00:55Z.
struct Timestamp {
  int64_t seconds = 0;         // since 1970-01-01T00:00:00Z
  int32_t nanos = 0;           // 0..999'999'999, added to `seconds`
  int32_t offset_seconds = 0;  // the UTC offset as written; informational

  friend bool operator==(const Timestamp& a, const Timestamp& b) {
    return a.seconds == b.seconds && a.nanos == b.nanos;
  }
  friend std::strong_ordering operator<=>(const Timestamp& a, const Timestamp& b) {
    if (auto c = a.seconds <=> b.seconds; c != 0) return c;
    return a.nanos <=> b.nanos;
  }
};

// Parses `text` as described above; nullopt when AWS would reject it.
std::optional<Timestamp> ParseTimestamp(std::string_view text);

// The form AWS prints timestamps in (e.g. $$.Execution.StartTime):
// UTC, millisecond precision (truncated), "2016-03-14T01:59:00.000Z".
// Years outside 0000..9999 are printed Java-style (+10000, -0001).
std::string FormatTimestamp(const Timestamp& t);

// Conversions for the interpreter's clock (Wait states). ToTimePoint
// saturates at the clock's range.
Timestamp TimestampFromTimePoint(std::chrono::system_clock::time_point tp);
std::chrono::system_clock::time_point ToTimePoint(const Timestamp& t);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_TIMESTAMP_H_
