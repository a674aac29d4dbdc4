#include "common/ids.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>

namespace hpcflow {

uint64_t RandomSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

std::string NewUuid() {
  // One generator per thread, seeded once (a random_device and a fresh
  // mt19937_64 per id cost more than the rest of a child execution's
  // start), and again in a forked process, which must not repeat its
  // parent's ids.
  thread_local std::mt19937_64 gen;
  thread_local pid_t seeded_in = 0;
  if (seeded_in != getpid()) {
    gen.seed(RandomSeed() ^ static_cast<uint64_t>(NowMs()) ^ static_cast<uint64_t>(getpid()));
    seeded_in = getpid();
  }
  uint64_t a = gen(), b = gen();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                static_cast<unsigned>(a & 0xffff), static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buffer;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hpcflow
