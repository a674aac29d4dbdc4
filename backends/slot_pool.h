// The cores ("slots") of one machine, shared by the jobs a backend runs on
// it, with a FIFO queue of jobs waiting for theirs and per-submission
// throttles (SubmitOptions::max_concurrent). Used by the local, mpi and fake
// backends.
//
// Not thread-safe: its owner holds a lock around every call.
#ifndef HPCFLOW_BACKENDS_SLOT_POOL_H_
#define HPCFLOW_BACKENDS_SLOT_POOL_H_

#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/job.h"

namespace hpcflow::backends {

class SlotPool {
 public:
  // `cores` below 1 counts as 1.
  explicit SlotPool(int cores);

  int cores() const { return cores_; }
  int in_use() const { return in_use_; }

  // The slots a job takes: cpus * tasks, at least 1 and at most cores(), so
  // a job bigger than the machine still runs (alone).
  int SlotsFor(const JobSpec& spec) const;

  // A new throttle group: at most `max_concurrent` of its jobs run at once
  // (0: no limit).
  int64_t NewGroup(int max_concurrent);

  // Queues a job (its `key` is unique, e.g. its job directory).
  void Enqueue(const std::string& key, int slots, int64_t group);
  // Puts a running job back at the head of the queue, in its group (its
  // runner died before the job started; it is to start again).
  bool Requeue(const std::string& key);
  bool IsQueued(const std::string& key) const { return queued_.count(key) > 0; }
  bool IsRunning(const std::string& key) const { return running_.count(key) > 0; }
  // Takes a job out of the queue; false when it was not queued.
  bool RemoveQueued(const std::string& key);

  // Counts a job that already runs (an adopted one) against the slots and
  // its group; it may push in_use() above cores().
  void AddRunning(const std::string& key, int slots, int64_t group);
  // Frees a running job's slots; unknown keys are ignored.
  void Finish(const std::string& key);

  // The queued jobs that may start now, in queue order; they count as
  // running from here on. A job whose group is at its limit is passed over;
  // the first one that does not fit in the free slots stops the scan, so a
  // big job is not starved by smaller ones behind it.
  std::vector<std::string> TakeStartable();

 private:
  struct Entry {
    std::string key;
    int slots = 1;
    int64_t group = 0;
  };
  struct Group {
    int max_concurrent = 0;
    int running = 0;
    int members = 0;  // queued or running
  };
  void Leave(int64_t group);

  int cores_;
  int in_use_ = 0;
  int64_t next_group_ = 1;
  std::list<Entry> queue_;
  std::unordered_map<std::string, std::list<Entry>::iterator> queued_;
  std::unordered_map<std::string, Entry> running_;
  std::map<int64_t, Group> groups_;
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_SLOT_POOL_H_
