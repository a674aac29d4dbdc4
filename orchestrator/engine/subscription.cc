// Subscription: a handle whose destruction ends a subscription, for the
// Engine (events from its loop) and the Client (events polled from a
// server) alike.
#include "orchestrator/engine/subscription_impl.h"

namespace hpcflow {

Subscription::Subscription(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Subscription::Subscription(Subscription&&) noexcept = default;
Subscription& Subscription::operator=(Subscription&&) noexcept = default;
Subscription::~Subscription() = default;

Subscription::Impl::~Impl() {
  if (cancel) cancel();
}

}  // namespace hpcflow
