#include "workflows/timestamp.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace hpcflow::workflows {
namespace {

// Seconds since the epoch of a valid timestamp (test helper).
int64_t Seconds(const char* text) {
  auto t = ParseTimestamp(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? t->seconds : 0;
}

TEST(TimestampTest, AcceptsWhatAwsAccepted) {
  // wait/wait_timestamp*_ and choice/timestamp_* cases that AWS accepted.
  for (const char* text :
       {"2016-03-14T01:59:00Z", "2016-03-05T21:29:29.243167252Z", "2026-11-21T20:56:49.000000Z",
        "2026-11-21T20:56:49.00Z", "2026-11-21T20:56:49Z", "2012-10-09T19:00:55Z",
        "2012-10-09T19:00:55+01:00"}) {
    EXPECT_TRUE(ParseTimestamp(text).has_value()) << text;
  }
}

TEST(TimestampTest, RejectsWhatAwsRejected) {
  // wait/wait_timestamp_path_INVALID_* / NO_T / NO_Z, wait_timestamppath_empty
  // and .000000 (no offset), and the non-timestamps of the choice corpus.
  for (const char* text :
       {"05-12-2016T21:29:29Z", "2016-12-05 21:29:29Z", "2016-12-05T21:29:29",
        "2016-12-05T25:29:29Z", "2016-13-05T21:29:29Z", "2026-11-21T20:56:49.000000",
        "2026-11-21T20:56:49", "2012-10-09T19:00:55", "2023-02-24", "2023-02-24 12:15:56.832957",
        "", " ", "HelloWorld", "date"}) {
    EXPECT_FALSE(ParseTimestamp(text).has_value()) << text;
  }
}

TEST(TimestampTest, FollowsJavaIsoOffsetDateTime) {
  // Seconds and the fraction are optional; the '.' may have no digits.
  EXPECT_EQ(Seconds("2016-03-14T01:59Z"), Seconds("2016-03-14T01:59:00Z"));
  EXPECT_EQ(Seconds("2016-03-14T01:59:00.Z"), Seconds("2016-03-14T01:59:00Z"));
  // The T and Z literals are case-insensitive.
  EXPECT_EQ(Seconds("2016-03-14t01:59:00z"), Seconds("2016-03-14T01:59:00Z"));
  // Offsets: +HH, +HH:MM, +HH:MM:SS, -00:00, at most 18 hours.
  EXPECT_EQ(Seconds("2016-03-14T01:59:00+01"), Seconds("2016-03-14T00:59:00Z"));
  EXPECT_EQ(Seconds("2016-03-14T01:59:00+01:30"), Seconds("2016-03-14T00:29:00Z"));
  EXPECT_EQ(Seconds("2016-03-14T01:59:00-00:00:30"), Seconds("2016-03-14T01:59:30Z"));
  EXPECT_EQ(Seconds("2016-03-14T01:59:00-00:00"), Seconds("2016-03-14T01:59:00Z"));
  EXPECT_TRUE(ParseTimestamp("2016-03-14T01:59:00+18:00"));
  EXPECT_TRUE(ParseTimestamp("2016-03-14T01:59:00-18:00"));
  for (const char* text : {"2016-03-14T01:59:00+18:01",
                           "2016-03-14T01:59:00+0100",
                           "2016-03-14T01:59:00+1",
                           "2016-03-14T01:59:00+01:",
                           "2016-03-14T01:59:00+01:6",
                           "2016-03-14T01:59:00+01:60",
                           "2016-03-14T01:59:00ZZ",
                           "2016-03-14T01:59:00Z ",
                           " 2016-03-14T01:59:00Z",
                           "2016-03-14T01:59:00.1234567891Z",  // ten fraction digits
                           "2016-03-14T01:59:00,5Z",
                           "2016-03-14T01Z",
                           "2016-03-14T1:59:00Z",
                           "2016-3-14T01:59:00Z",
                           "16-03-14T01:59:00Z",
                           "2016-03-14T24:00:00Z",
                           "2016-03-14T23:60:00Z",
                           "2016-12-31T23:59:60Z",  // no leap seconds
                           "2016-02-30T00:00:00Z",
                           "2015-02-29T00:00:00Z",
                           "2016-04-31T00:00:00Z",
                           "2016-00-10T00:00:00Z",
                           "2016-01-00T00:00:00Z",
                           "+2016-03-14T01:59:00Z",
                           "20160-03-14T01:59:00Z",
                           "-0000-03-14T01:59:00Z",
                           "+1000000000-01-01T00:00Z"}) {
    EXPECT_FALSE(ParseTimestamp(text).has_value()) << text;
  }
  EXPECT_TRUE(ParseTimestamp("2016-02-29T00:00:00Z"));
  EXPECT_TRUE(ParseTimestamp("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseTimestamp("1900-02-29T00:00:00Z"));
}

TEST(TimestampTest, ExtendedYears) {
  EXPECT_EQ(Seconds("0000-01-01T00:00:00Z"), -62167219200);
  EXPECT_EQ(Seconds("9999-12-31T23:59:59Z"), 253402300799);
  EXPECT_EQ(Seconds("+10000-01-01T00:00:00Z"), 253402300800);
  EXPECT_EQ(Seconds("-0001-12-31T23:59:59Z"), -62167219201);
  EXPECT_TRUE(ParseTimestamp("+999999999-12-31T23:59:59.999999999-18:00"));
  EXPECT_TRUE(ParseTimestamp("-999999999-01-01T00:00:00+18:00"));
}

TEST(TimestampTest, ValueIsTheInstant) {
  auto t = ParseTimestamp("2016-03-05T21:29:29.243167252Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1457213369);
  EXPECT_EQ(t->nanos, 243167252);
  EXPECT_EQ(t->offset_seconds, 0);
  EXPECT_EQ(ParseTimestamp("2016-03-05T21:29:29.5Z")->nanos, 500000000);
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z")->seconds, 0);
  EXPECT_EQ(ParseTimestamp("1969-12-31T23:59:59.5Z")->seconds, -1);

  auto a = ParseTimestamp("2012-10-09T19:00:55+01:00");
  auto b = ParseTimestamp("2012-10-09T18:00:55Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->offset_seconds, 3600);
  EXPECT_EQ(*a, *b);  // same instant, different offsets
  EXPECT_LT(*ParseTimestamp("2012-10-09T19:00:55Z"), *ParseTimestamp("2012-10-09T19:00:55.1Z"));
  EXPECT_LT(*ParseTimestamp("2012-10-09T19:00:55.999999999Z"),
            *ParseTimestamp("2012-10-09T19:00:56Z"));
  EXPECT_EQ(*ParseTimestamp("2012-10-09T19:00:55.5Z"),
            *ParseTimestamp("2012-10-09T19:00:55.500000000Z"));
  EXPECT_GT(*ParseTimestamp("2012-10-09T19:00:55-00:01"), *ParseTimestamp("2012-10-09T19:00:55Z"));
}

TEST(TimestampTest, FormatsLikeAws) {
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2016-03-14T01:59:00Z")), "2016-03-14T01:59:00.000Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2016-03-05T21:29:29.243167252Z")),
            "2016-03-05T21:29:29.243Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2012-10-09T19:00:55+01:00")),
            "2012-10-09T18:00:55.000Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("1969-12-31T23:59:59.5Z")), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("+10000-01-01T00:00Z")), "+10000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("-0001-12-31T23:59:59Z")), "-0001-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatTimestamp(Timestamp{}), "1970-01-01T00:00:00.000Z");
}

TEST(TimestampTest, TimePointRoundTrip) {
  using namespace std::chrono;
  auto t = *ParseTimestamp("2016-03-05T21:29:29.243167252Z");
  system_clock::time_point tp = ToTimePoint(t);
  EXPECT_EQ(duration_cast<nanoseconds>(tp.time_since_epoch()).count(), 1457213369243167252);
  EXPECT_EQ(TimestampFromTimePoint(tp), t);

  auto before = *ParseTimestamp("1969-12-31T23:59:59.5Z");
  EXPECT_EQ(TimestampFromTimePoint(ToTimePoint(before)), before);

  // Out of the clock's range: saturate instead of overflowing.
  EXPECT_EQ(ToTimePoint(*ParseTimestamp("9999-12-31T23:59:59Z")), system_clock::time_point::max());
  EXPECT_EQ(ToTimePoint(*ParseTimestamp("0001-01-01T00:00:00Z")), system_clock::time_point::min());
}

}  // namespace
}  // namespace hpcflow::workflows
