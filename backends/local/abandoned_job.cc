#include "backends/local/abandoned_job.h"

#include <cstdlib>

#include "backends/job.h"
#include "backends/job_dir.h"
#include "backends/job_processes.h"
#include "backends/job_wrapper.h"
#include "common/json.h"

namespace hpcflow::backends {

namespace {

// How long the post-mortem waits for a dead wrapper's leftovers to die.
constexpr int kLeftoverKillTimeoutMs = 5000;

std::string RelaunchFile(const std::string& job_dir) { return job_dir + "/relaunches"; }

}  // namespace

void RecordEndForWrapper(const std::string& job_dir, const JobEnd& end) {
  (void)WriteFileAtomically(JobFiles(job_dir).exit(), DumpJson(JobEndToJson(end)));
}

AbandonedJob SettleAbandonedJob(const std::string& job_dir, bool cancelling) {
  if (ReadJobEnd(job_dir)) return AbandonedJob::kEnded;
  auto started = ReadStarted(job_dir);
  if (!started) {
    if (!cancelling) return AbandonedJob::kNeverStarted;
    JobEnd end;
    end.kind = JobEnd::Kind::kCancelled;
    end.start_ms = end.end_ms = WallClockMs();
    end.detail = "the job was cancelled before it started";
    RecordEndForWrapper(job_dir, end);
    return AbandonedJob::kEnded;
  }
  int killed = KillJobLeftovers(job_dir, *started, kLeftoverKillTimeoutMs);
  JobEnd end = LostEnd(job_dir, "the job wrapper died while the job ran");
  if (cancelling) {
    end.kind = JobEnd::Kind::kCancelled;
    end.detail = "the job was cancelled; its wrapper had died";
  }
  if (killed > 0) {
    end.detail += "; " + std::to_string(killed) + " remaining process" +
                  (killed == 1 ? " of the job was" : "es of the job were") + " killed";
  }
  RecordEndForWrapper(job_dir, end);
  return AbandonedJob::kEnded;
}

int WrapperRelaunches(const std::string& job_dir) {
  auto text = ReadFile(RelaunchFile(job_dir));
  return text ? std::atoi(text->c_str()) : 0;
}

void RecordWrapperRelaunch(const std::string& job_dir) {
  (void)WriteFileAtomically(RelaunchFile(job_dir), std::to_string(WrapperRelaunches(job_dir) + 1));
}

}  // namespace hpcflow::backends
