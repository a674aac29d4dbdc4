// Where the randomness of States.UUID and States.MathRandom comes from.
//
// The interpreter must replay the same events into the same decisions, so
// intrinsics never read a global generator: the caller owns a RandomSource
// (normally one SeededRandom per execution, seeded from the execution's
// configuration) and passes it to EvaluateIntrinsic.
#ifndef HPCFLOW_WORKFLOWS_RANDOM_SOURCE_H_
#define HPCFLOW_WORKFLOWS_RANDOM_SOURCE_H_

#include <cstdint>

namespace hpcflow::workflows {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // 64 uniformly distributed random bits.
  virtual uint64_t Next() = 0;
};

// A small, fast, deterministic generator (SplitMix64): the same seed always
// gives the same sequence, on every platform. Not for cryptography.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed = 0) : state_(seed) {}
  void Seed(uint64_t seed) { state_ = seed; }
  uint64_t Next() override;

 private:
  uint64_t state_;
};

// A uniformly distributed integer in [0, bound) drawn from `random` without
// modulo bias. `bound` must be positive.
uint64_t UniformBelow(RandomSource& random, uint64_t bound);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_RANDOM_SOURCE_H_
