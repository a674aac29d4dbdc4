// Parsers of Slurm client output (pure, unit-tested with captured output of
// Slurm 22.05). The backend asks for machine-friendly forms ('|'-separated
// fields, no header), so parsing is a split; lines that do not fit are
// skipped rather than guessed at.
#ifndef HPCFLOW_BACKENDS_SLURM_SLURM_PARSE_H_
#define HPCFLOW_BACKENDS_SLURM_SLURM_PARSE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hpcflow::backends::slurm {

// What the controller (or accounting) says about one job or array element.
struct SlurmJobRecord {
  std::string job_id;  // "4242" or "4242_7"
  std::string state;   // base state, upper case: "RUNNING", "CANCELLED", ...
  std::string reason;  // squeue's %r; "" when unknown
  bool exit_known = false;
  int exit_code = 0;  // of the batch script
  int signal = 0;     // that ended the batch script, 0 if none
};

// The job id from `sbatch --parsable`: "4242" from "4242" or "4242;cluster".
std::optional<std::string> ParseSbatchJobId(const std::string& out);

// The squeue options whose output ParseSqueueRecords reads.
std::vector<std::string> SqueueRecordFormat();

// Lines "ID|STATE|REASON|EXIT|" of
//   squeue --noheader --array --Format=JobArrayID:|,State:|,Reason:|,exit_code:|
// (exit_code is a wait(2) status: 768 is exit 3, 15 is SIGTERM).
std::vector<SlurmJobRecord> ParseSqueueRecords(const std::string& out);

// Lines "ARRAY_JOB_ID|NAME" of squeue --noheader --format=%F|%j: name to the
// job id (the array's id for an array), for finding submissions by name.
// Of several jobs with one name, the newest (highest id).
std::map<std::string, std::string> ParseSqueueNames(const std::string& out);

// Lines "JobID|State|ExitCode" of
//   sacct --noheader --parsable2 --allocations --format=JobID,State,ExitCode
// ("4242_7|CANCELLED by 0|0:15"). Steps ("4242.batch") are skipped; so are
// unsplit pending ranges ("4242_[3-9]").
std::vector<SlurmJobRecord> ParseSacctRecords(const std::string& out);

// The value of `key` in `scontrol show config` ("MaxArraySize = 1001").
std::optional<std::string> ParseConfigValue(const std::string& out, const std::string& key);

// "4242_7" -> {"4242", 7}; "4242" -> {"4242", -1}.
struct SplitJobId {
  std::string base;
  int index = -1;
};
SplitJobId SplitSlurmJobId(const std::string& job_id);

// Array elements and jobs as few scancel/squeue words as possible:
// {"7_1","7_2","7_3","7_5","9"} -> {"7_[1-3,5]", "9"}.
std::vector<std::string> CompressJobIds(const std::vector<std::string>& job_ids);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_SLURM_PARSE_H_
