// Times as hpcflow prints them: ISO 8601 UTC with milliseconds, as AWS does.
#ifndef HPCFLOW_COMMON_TIME_FORMAT_H_
#define HPCFLOW_COMMON_TIME_FORMAT_H_

#include <cstdint>
#include <string>

namespace hpcflow {

// `ms` since the Unix epoch -> "2024-01-02T03:04:05.678Z".
std::string FormatTimeMs(int64_t ms);

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_TIME_FORMAT_H_
