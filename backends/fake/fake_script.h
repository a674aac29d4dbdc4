// What a fake job does, scripted in its JobSpec (see fake_backend.h for the
// syntax).
#ifndef HPCFLOW_BACKENDS_FAKE_FAKE_SCRIPT_H_
#define HPCFLOW_BACKENDS_FAKE_FAKE_SCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "backends/job.h"
#include "common/result.h"

namespace hpcflow::backends {

struct FakeScript {
  int64_t duration_ms = 0;
  bool hang = false;  // runs until cancelled (or its time limit)
  JobEnd::Kind end = JobEnd::Kind::kExited;
  int exit_code = 0;
  int signal = 0;
  std::string stdout_text;
  std::string stderr_text;
  std::optional<std::string> result;  // JSON text for HPCFLOW_RESULT
};

// The script of a job: HPCFLOW_FAKE in its environment, else its command
// after "fake:" (the shell command, or argv[0]); "" when it has none.
std::string FakeScriptText(const JobSpec& spec);

// Parses a script; items the script leaves out keep their defaults (a job
// that exits 0 after `default_duration_ms`). Errors ("usage"): an unknown
// item or a bad value, named.
Result<FakeScript> ParseFakeScript(const std::string& text, int64_t default_duration_ms);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_FAKE_FAKE_SCRIPT_H_
