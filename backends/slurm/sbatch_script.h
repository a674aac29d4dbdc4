// What one sbatch call looks like: its arguments and its batch script, as
// pure functions of the jobs it submits (no I/O, unit-tested).
//
// Resources go on the sbatch command line (one argv word each, so nothing
// needs quoting there). The script does nothing but find its job directory
// and exec `<hpcflow> job-wrapper JOB_DIR`, which runs the command from
// JOB_DIR/spec.json (0600) with the job's environment and records its end.
// The job's environment (its task token among it) is therefore never in a
// batch script, which Slurm keeps in its spool and shows to operators.
#ifndef HPCFLOW_BACKENDS_SLURM_SBATCH_SCRIPT_H_
#define HPCFLOW_BACKENDS_SLURM_SBATCH_SCRIPT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/job.h"
#include "common/result.h"

namespace hpcflow::backends::slurm {

// `value` as one word for /bin/sh: single quotes, with ' written as '\''.
std::string ShellQuote(const std::string& value);

// True for a name a shell can export: [A-Za-z_][A-Za-z0-9_]*.
bool IsShellVariableName(const std::string& name);

// A path for sbatch's --output/--error, where '%' starts a pattern ("%j"):
// '%' becomes "%%", Slurm's escape for a literal '%'.
std::string EscapeFilenamePattern(const std::string& path);

// The Slurm job name for a JobSpec name. squeue --name= splits its argument
// at commas and the name should stay one shell-safe word, so characters other
// than [A-Za-z0-9._:+@=-] become '_' and, when anything was replaced or the
// name is over 200 characters, a hash of the original name is appended so
// that distinct names stay distinct.
std::string SlurmJobName(const std::string& name);

// The Slurm job name of an array: "hpcflow-array-" and a 64-bit FNV-1a hash
// (hex) of its elements' names in order. Unique per attempt because element
// names are; found again by squeue --name after a crash.
std::string ArrayJobName(const std::vector<std::string>& element_names);

// Time limit in Slurm's unit, minutes, rounded up (61 s is 2 minutes).
int64_t TimeLimitMinutes(int64_t seconds);

// The resource options of a job (--partition, --time, --nodes, --ntasks,
// --cpus-per-task, --mem, --gpus, --account, --qos, --constraint, then
// SbatchArgs verbatim), in that order. Jobs with equal resource options
// can share one array.
std::vector<std::string> ResourceArguments(const JobSpec& spec);

// "0-9%2": indices 0..count-1, at most `throttle` at once (0: no limit).
std::string ArrayRange(int count, int throttle);

struct SbatchRequest {
  std::string job_name;
  int array_count = 0;       // 0: a plain job; otherwise elements 0..array_count-1
  int throttle = 0;          // array elements running at once; 0: no limit
  std::string after_job_id;  // start only after this job (array) ended; "" none
  std::string chdir;
  std::string output;  // Slurm's own log of the job (already escaped)
  std::string error;
  std::string script;                  // path of the batch script
  std::vector<std::string> resources;  // ResourceArguments
};

// The arguments of sbatch (without "sbatch"), ending with the script path.
std::vector<std::string> SbatchArguments(const SbatchRequest& request);

struct ScriptRequest {
  std::string hpcflow_binary;  // absolute path, runs `job-wrapper JOB_DIR`
  std::string description;     // a comment at the top (the job's name)
  // Exactly one of: the job directory of a plain job, or the file listing
  // one job directory per line for an array (line i+1 for index i).
  std::string job_dir;
  std::string job_list;
};

// The batch script. Errors ("usage"): a job directory with a newline (it
// could not be listed one per line).
Result<std::string> BatchScript(const ScriptRequest& request);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_SBATCH_SCRIPT_H_
