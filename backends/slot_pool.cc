#include "backends/slot_pool.h"

#include <algorithm>

namespace hpcflow::backends {

SlotPool::SlotPool(int cores) : cores_(std::max(1, cores)) {}

int SlotPool::SlotsFor(const JobSpec& spec) const {
  int64_t wanted = int64_t{std::max(1, spec.cpus)} * std::max(1, spec.tasks);
  return static_cast<int>(std::clamp<int64_t>(wanted, 1, cores_));
}

int64_t SlotPool::NewGroup(int max_concurrent) {
  int64_t id = next_group_++;
  groups_[id].max_concurrent = std::max(0, max_concurrent);
  return id;
}

void SlotPool::Enqueue(const std::string& key, int slots, int64_t group) {
  queued_[key] = queue_.insert(queue_.end(), Entry{key, slots, group});
  ++groups_[group].members;
}

bool SlotPool::Requeue(const std::string& key) {
  auto it = running_.find(key);
  if (it == running_.end()) return false;
  Entry entry = it->second;
  running_.erase(it);
  in_use_ -= entry.slots;
  if (auto g = groups_.find(entry.group); g != groups_.end()) --g->second.running;
  queued_[key] = queue_.insert(queue_.begin(), entry);
  return true;
}

bool SlotPool::RemoveQueued(const std::string& key) {
  auto it = queued_.find(key);
  if (it == queued_.end()) return false;
  int64_t group = it->second->group;
  queue_.erase(it->second);
  queued_.erase(it);
  Leave(group);
  return true;
}

void SlotPool::AddRunning(const std::string& key, int slots, int64_t group) {
  running_[key] = {key, slots, group};
  in_use_ += slots;
  Group& g = groups_[group];
  ++g.members;
  ++g.running;
}

void SlotPool::Finish(const std::string& key) {
  auto it = running_.find(key);
  if (it == running_.end()) return;
  in_use_ -= it->second.slots;
  int64_t group = it->second.group;
  running_.erase(it);
  if (auto g = groups_.find(group); g != groups_.end()) --g->second.running;
  Leave(group);
}

void SlotPool::Leave(int64_t group) {
  auto g = groups_.find(group);
  if (g != groups_.end() && --g->second.members <= 0) groups_.erase(g);
}

std::vector<std::string> SlotPool::TakeStartable() {
  std::vector<std::string> startable;
  for (auto it = queue_.begin(); it != queue_.end();) {
    Group& group = groups_[it->group];
    if (group.max_concurrent > 0 && group.running >= group.max_concurrent) {
      ++it;
      continue;
    }
    if (in_use_ + it->slots > cores_) break;
    in_use_ += it->slots;
    ++group.running;
    running_[it->key] = *it;
    startable.push_back(it->key);
    queued_.erase(it->key);
    it = queue_.erase(it);
  }
  return startable;
}

}  // namespace hpcflow::backends
