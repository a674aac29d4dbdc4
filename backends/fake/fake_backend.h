// A backend for tests of the runtime: jobs are scripted, nothing is run.
//
// The fake has no wrapper, so it reports each end itself through
// FakeOptions::on_end, from its own timer thread. It writes the job
// directory files a real job would (spec.json, started, stdout, stderr,
// exit, and the result when scripted), and `runs`: one line per start, so
// that tests can count how often a job ran, so Reconcile, adoption after a restart and result
// reading work as with the local backend. It queues jobs on a slot pool
// (FakeOptions::cores, cpus * tasks per job) and honours max_concurrent.
//
// The script comes from the JobSpec: the environment variable HPCFLOW_FAKE,
// else the command when it starts with "fake:" (the shell command, or
// argv[0]). Items are separated by ';':
//   duration_ms=N   how long the job runs (default: default_duration_ms)
//   exit=N          its exit code (default 0)
//   signal=N        it is killed by signal N (kSignaled)
//   end=KIND        it ends as KIND: exited, signaled, timed_out, cancelled,
//                   out_of_memory, node_fail, preempted, boot_fail, lost
//   stdout=TEXT     written to DIR/stdout when it starts (stderr=: DIR/stderr)
//   hang            it runs until cancelled (or until its time limit)
//   result=JSON     written to $HPCFLOW_RESULT (else DIR/result.json) when it
//                   ends by itself; must come last: it takes the rest of the
//                   script, ';' included
// e.g. "duration_ms=200;exit=3;stderr=boom", "signal=9", "hang",
// "stdout=hi;result={\"x\":1}". A spec without a script exits 0 after
// default_duration_ms. spec.time_limit_s applies: a job scripted to run
// longer ends kTimedOut at its limit. An unknown item fails the Submit.
//
// Restarts: a new FakeBackend given (Submit) a job that a previous one had
// started, and that had not ended, adopts it: it ends when it would have.
#ifndef HPCFLOW_BACKENDS_FAKE_FAKE_BACKEND_H_
#define HPCFLOW_BACKENDS_FAKE_FAKE_BACKEND_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends/backend.h"
#include "backends/fake/fake_script.h"
#include "backends/slot_pool.h"

namespace hpcflow::backends {

struct FakeOptions {
  // Called once per job end, from the fake's timer thread. May be empty.
  std::function<void(const JobHandle&, const JobEnd&)> on_end;
  // A job that waited for a slot starts (as LocalOptions::on_dequeued).
  std::function<void(const JobHandle&)> on_dequeued;
  // Submit's jobs that wait for a slot (as LocalOptions::on_queued).
  std::function<void(const JobHandle&)> on_queued;
  int64_t default_duration_ms = 10;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
};

class FakeBackend : public Backend {
 public:
  explicit FakeBackend(FakeOptions options);
  // Stops the timer thread; jobs still running stay started and unended.
  ~FakeBackend() override;
  FakeBackend(const FakeBackend&) = delete;
  FakeBackend& operator=(const FakeBackend&) = delete;

  std::string Name() const override { return "fake"; }
  // Errors ("usage": a bad script, no absolute job_dir; "io": a job
  // directory cannot be written). A handle's job_id is "fake-N".
  Result<std::vector<JobHandle>> Submit(const std::vector<JobSpec>& jobs,
                                        const SubmitOptions& options) override;
  void Cancel(const std::vector<JobHandle>& jobs) override;
  std::vector<JobStatus> Reconcile(const std::vector<JobHandle>& jobs) override;
  // Like local, plus Tasks (they count as slots): Command, Environment,
  // WorkingDirectory, Cpus, Tasks, Time.
  bool Understands(const std::string& parameter) const override;

 private:
  struct Job {
    JobHandle handle;
    FakeScript script;
    std::map<std::string, std::string> environment;
    int64_t time_limit_ms = 0;
    bool running = false;
    int64_t start_ms = 0;
    int64_t end_at_ms = -1;  // -1: runs until cancelled
    bool cancelled = false;
    bool timed_out = false;
  };
  // With mutex_ held: starts the queued jobs that fit; returns those that
  // waited (all but the ones in `fresh`, queued by the Submit calling).
  std::vector<JobHandle> StartQueued(const std::set<std::string>& fresh = {});
  void Begin(Job& job, int64_t start_ms);   // with mutex_ held
  JobEnd Finish(Job& job, int64_t now_ms);  // with mutex_ held
  void RunTimer();

  FakeOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  SlotPool pool_;
  std::map<std::string, Job> jobs_;  // by job_dir, queued or running
  // When jobs are due to end (end_at_ms -> job_dir), so that a wake looks at
  // the due ones, not at every queued and running job. Entries whose job
  // has gone or was given another end time are stale and skipped.
  std::multimap<int64_t, std::string> ends_;
  int64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_FAKE_FAKE_BACKEND_H_
