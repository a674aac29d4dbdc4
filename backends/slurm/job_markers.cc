#include "backends/slurm/job_markers.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "backends/job_dir.h"
#include "backends/job_wrapper.h"
#include "common/json.h"

namespace hpcflow::backends::slurm {

namespace {

namespace fs = std::filesystem;

std::string PathIn(const std::string& dir, const char* file) { return dir + "/" + file; }

}  // namespace

Status WriteSubmitIntent(const std::string& job_dir, const SubmitIntent& intent) {
  Json json = {{"slurm_name", intent.slurm_name}, {"array_index", intent.array_index}};
  return WriteFileAtomically(PathIn(job_dir, kSubmitIntentFile), DumpJson(json) + "\n");
}

std::optional<SubmitIntent> ReadSubmitIntent(const std::string& job_dir) {
  auto json = ReadJsonFile(PathIn(job_dir, kSubmitIntentFile));
  if (json && !json->is_object()) json.reset();
  if (!json) return std::nullopt;
  SubmitIntent intent;
  intent.slurm_name = json->value("slurm_name", "");
  intent.array_index = json->value("array_index", -1);
  if (intent.slurm_name.empty()) return std::nullopt;
  return intent;
}

Status WriteJobIdMarker(const std::string& job_dir, const std::string& job_id) {
  return WriteFileAtomically(PathIn(job_dir, kJobIdFile), job_id + "\n");
}

std::optional<std::string> ReadJobIdMarker(const std::string& job_dir) {
  auto text = ReadFile(PathIn(job_dir, kJobIdFile));
  if (!text) return std::nullopt;
  std::string id;
  for (char c : *text) {
    if (c == '\n' || c == '\r' || c == ' ') break;
    id += c;
  }
  if (id.empty()) return std::nullopt;
  return id;
}

int ReadResubmitCount(const std::string& job_dir) {
  auto text = ReadFile(PathIn(job_dir, "slurm_resubmits"));
  return text ? std::atoi(text->c_str()) : 0;
}

void WriteResubmitCount(const std::string& job_dir, int count) {
  (void)WriteFileAtomically(PathIn(job_dir, "slurm_resubmits"), std::to_string(count) + "\n");
}

void RemoveSubmitMarkers(const std::string& job_dir) {
  std::error_code ec;
  fs::remove(PathIn(job_dir, kJobIdFile), ec);
  fs::remove(PathIn(job_dir, kSubmitIntentFile), ec);
}

bool HasStarted(const std::string& job_dir) {
  std::error_code ec;
  return fs::exists(JobFiles(job_dir).started(), ec);
}

std::optional<JobEnd> ReadWrapperEnd(const std::string& job_dir) { return ReadJobEnd(job_dir); }

}  // namespace hpcflow::backends::slurm
