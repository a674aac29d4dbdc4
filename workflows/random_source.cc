#include "workflows/random_source.h"

namespace hpcflow::workflows {

uint64_t SeededRandom::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t UniformBelow(RandomSource& random, uint64_t bound) {
  if (bound <= 1) return 0;
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;
  do {
    r = random.Next();
  } while (r >= limit);
  return r % bound;
}

}  // namespace hpcflow::workflows
