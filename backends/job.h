// What every backend runs: a job described without any ASL notion.
//
// A job has a directory of its own (created by the caller, unique per task
// attempt) that holds its spec, its output files and the markers backends use
// to find it again after the orchestrator restarts.
#ifndef HPCFLOW_BACKENDS_JOB_H_
#define HPCFLOW_BACKENDS_JOB_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace hpcflow::backends {

struct JobSpec {
  std::string name;               // unique per attempt: the idempotency key of a submission
  std::string job_dir;            // absolute; files below
  std::vector<std::string> argv;  // run directly, or
  std::string shell_command;      // run by /bin/sh -c
  std::map<std::string, std::string> environment;
  std::string working_directory;
  // Resources (DESIGN.md §4.2). Zero or empty: not asked for. Each backend
  // maps what it understands (Backend::Understands) and ignores the rest.
  int tasks = 1;  // MPI ranks
  int cpus = 1;   // per task
  int nodes = 0;
  int gpus = 0;
  int64_t memory_mb = 0;
  int64_t time_limit_s = 0;  // the job is stopped after this long (walltime)
  std::string partition;
  std::string account;
  std::string qos;
  std::string constraint;
  std::vector<std::string> sbatch_args;
  // The umask the job's command runs with (the submitting user's; hpcflow
  // itself runs with 077). -1: the wrapper's own.
  int umask = -1;
  // The wrapper's credential for reporting the job's end (the orchestrator's
  // job-end route refuses reports without it). Kept in the 0600 spec only,
  // never in the job's environment: the task token, which a job may hand to
  // other programs, does not authorise a job end.
  std::string report_key;
};

// Checks a job's environment the same way for every backend: names are
// shell variable names (letters, digits and '_', not starting with a digit:
// what a batch script can export) and values hold no NUL byte. Errors
// ("usage") name the variable and what is wrong with it.
Status CheckEnvironment(const std::map<std::string, std::string>& environment);

// Files in a job directory, shared by the backends and the job wrapper.
struct JobFiles {
  explicit JobFiles(std::string dir) : dir(std::move(dir)) {}
  std::string dir;
  std::string spec() const { return dir + "/spec.json"; }
  std::string lock() const { return dir + "/lock"; }
  std::string started() const { return dir + "/started"; }
  std::string exit() const { return dir + "/exit"; }
  std::string stdout_path() const { return dir + "/stdout"; }
  std::string stderr_path() const { return dir + "/stderr"; }
  std::string result() const { return dir + "/result.json"; }
  std::string input() const { return dir + "/input.json"; }
  std::string cancel() const { return dir + "/cancel"; }
  // The wrapper's own complaints (the job's output has the files above).
  std::string wrapper_log() const { return dir + "/wrapper.log"; }
};

// How a job ended.
struct JobEnd {
  enum class Kind {
    kExited,       // exit_code is valid (0 is success)
    kSignaled,     // killed by `signal` (not by us or the scheduler)
    kTimedOut,     // ran past its time limit
    kCancelled,    // cancelled: by us, or from outside (scancel)
    kOutOfMemory,  // killed by the scheduler for exceeding its memory
    kNodeFail,     // its node failed
    kPreempted,    // the scheduler preempted it
    kBootFail,     // its node could not boot
    kLost,         // vanished without recording its end
  };
  Kind kind = Kind::kLost;
  int exit_code = -1;
  int signal = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string detail;  // what was found, for the error's cause
};

const char* JobEndKindName(JobEnd::Kind kind);
// The inverse of JobEndKindName; kLost for an unknown name.
JobEnd::Kind JobEndKindFromName(const std::string& name);
Json JobEndToJson(const JobEnd& end);
JobEnd JobEndFromJson(const Json& json);

Json JobSpecToJson(const JobSpec& spec);
JobSpec JobSpecFromJson(const Json& json);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_H_
