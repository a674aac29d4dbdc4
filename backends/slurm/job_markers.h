// The files the Slurm backend keeps in a job directory (beside those of
// backends/job.h), which make submission idempotent across orchestrator
// crashes (DESIGN.md §4.5):
//
//   slurm_submit.json  written BEFORE sbatch: the Slurm job name the job is
//                      about to be submitted under, and its array index. If
//                      it exists without slurm_job_id, an sbatch may have
//                      been accepted just before a crash: look the name up.
//   slurm_job_id       written AFTER sbatch (and again by the batch script
//                      when the job starts): "4242" or "4242_7". Its
//                      presence means "submitted": adopt, never resubmit.
//   slurm_resubmits    how often the job was submitted again because it ended
//                      without its wrapper ever starting it.
//
// Cancel writes the common cancel request (JobFiles::cancel()): Slurm
// forgets array elements cancelled while pending, so that is how Reconcile
// knows why such a job vanished, and the wrapper of a running job records a
// cancel even when scancel's signals reach the job's processes before it.
#ifndef HPCFLOW_BACKENDS_SLURM_JOB_MARKERS_H_
#define HPCFLOW_BACKENDS_SLURM_JOB_MARKERS_H_

#include <optional>
#include <string>

#include "backends/job.h"
#include "common/result.h"

namespace hpcflow::backends::slurm {

inline constexpr const char* kSubmitIntentFile = "slurm_submit.json";
inline constexpr const char* kJobIdFile = "slurm_job_id";

struct SubmitIntent {
  std::string slurm_name;  // --job-name of the sbatch call
  int array_index = -1;    // -1: a plain job, not an array element
};

Status WriteSubmitIntent(const std::string& job_dir, const SubmitIntent& intent);
std::optional<SubmitIntent> ReadSubmitIntent(const std::string& job_dir);

Status WriteJobIdMarker(const std::string& job_dir, const std::string& job_id);
// The Slurm id recorded in the job directory, if any.
std::optional<std::string> ReadJobIdMarker(const std::string& job_dir);

int ReadResubmitCount(const std::string& job_dir);
void WriteResubmitCount(const std::string& job_dir, int count);

// Removes the markers of a submission that was withdrawn (sbatch accepted
// part of a Submit, then failed), so that a later Submit starts afresh.
void RemoveSubmitMarkers(const std::string& job_dir);

// True once the job wrapper has recorded the start (JOB_DIR/started).
bool HasStarted(const std::string& job_dir);

// The end the job wrapper recorded in JOB_DIR/exit, if any
// (backends::ReadJobEnd).
std::optional<JobEnd> ReadWrapperEnd(const std::string& job_dir);

}  // namespace hpcflow::backends::slurm

#endif  // HPCFLOW_BACKENDS_SLURM_JOB_MARKERS_H_
