// Identifiers: random version-4 UUIDs for executions.
#ifndef HPCFLOW_COMMON_IDS_H_
#define HPCFLOW_COMMON_IDS_H_

#include <cstdint>
#include <string>

namespace hpcflow {

// A random UUID (version 4), from the system's entropy source.
std::string NewUuid();

// 64 random bits from the system's entropy source (execution seeds).
uint64_t RandomSeed();

// Milliseconds since the Unix epoch, from the system clock.
int64_t NowMs();

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_IDS_H_
