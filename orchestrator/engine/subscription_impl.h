// What a Subscription holds: how to end it.
#ifndef HPCFLOW_ORCHESTRATOR_ENGINE_SUBSCRIPTION_IMPL_H_
#define HPCFLOW_ORCHESTRATOR_ENGINE_SUBSCRIPTION_IMPL_H_

#include <functional>

#include "hpcflow/engine.h"

namespace hpcflow {

struct Subscription::Impl {
  // Ends the subscription; returns once no call of its handler runs.
  std::function<void()> cancel;
  ~Impl();
};

}  // namespace hpcflow

#endif  // HPCFLOW_ORCHESTRATOR_ENGINE_SUBSCRIPTION_IMPL_H_
