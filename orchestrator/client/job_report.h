// The job wrapper's report of a job's end to the runtime that waits for it:
// POST /v1/jobs/end with the task token and the wrapper's report key (both
// from the job's 0600 spec.json), retried while a server restarts.
#ifndef HPCFLOW_ORCHESTRATOR_CLIENT_JOB_REPORT_H_
#define HPCFLOW_ORCHESTRATOR_CLIENT_JOB_REPORT_H_

#include <string>

#include "backends/job.h"

namespace hpcflow::orchestrator {

// Best effort: the `exit` file the wrapper wrote first stays the record that
// reconciliation falls back on when the report cannot be delivered.
void ReportJobEnd(const std::string& job_dir, const backends::JobEnd& end);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLIENT_JOB_REPORT_H_
