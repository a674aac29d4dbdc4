#include "backends/job_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "backends/job_wrapper.h"

namespace hpcflow::backends {

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void WriteCancelRequest(const std::string& job_dir) {
  // Best effort: a backend also stops the job itself.
  (void)WriteFileAtomically(JobFiles(job_dir).cancel(), std::to_string(WallClockMs()));
}

bool CancelRequested(const std::string& job_dir) {
  std::error_code ec;
  return std::filesystem::exists(JobFiles(job_dir).cancel(), ec);
}

std::optional<Json> ReadJsonFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return std::nullopt;
  auto value = ParseJson(*text);
  if (!value) return std::nullopt;
  return std::move(*value);
}

std::optional<StartedRecord> ReadStarted(const std::string& job_dir) {
  auto json = ReadJsonFile(JobFiles(job_dir).started());
  if (!json || !json->is_object()) return std::nullopt;
  StartedRecord record;
  record.pid = json->value("pid", 0);
  record.pgid = json->value("pgid", 0);
  record.start_ms = json->value("start_ms", int64_t{0});
  record.start_ticks = json->value("start_ticks", uint64_t{0});
  record.boot_id = json->value("boot_id", std::string());
  return record;
}

Status WriteStarted(const std::string& job_dir, const StartedRecord& record) {
  Json json = {{"pid", record.pid},
               {"pgid", record.pgid},
               {"start_ms", record.start_ms},
               {"start_ticks", record.start_ticks},
               {"boot_id", record.boot_id}};
  return WriteFileAtomically(JobFiles(job_dir).started(), DumpJson(json));
}

int OpenJobLock(const std::string& job_dir) {
  return open(JobFiles(job_dir).lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

bool JobLockHeld(const std::string& job_dir) {
  int fd = open(JobFiles(job_dir).lock().c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // no lock file: nobody ever ran it
  bool held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

void WaitUntilJobUnlocked(const std::string& job_dir) {
  int fd = open(JobFiles(job_dir).lock().c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  while (flock(fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  close(fd);
}

JobEnd LostEnd(const std::string& job_dir, std::string detail) {
  JobEnd end;
  end.kind = JobEnd::Kind::kLost;
  end.end_ms = WallClockMs();
  if (auto started = ReadStarted(job_dir)) end.start_ms = started->start_ms;
  end.detail = std::move(detail);
  return end;
}

JobEnd WaitForJobEnd(const std::string& job_dir) {
  WaitUntilJobUnlocked(job_dir);
  JobStatus status = JobStatusFromDir(job_dir);
  if (status.kind == JobStatus::Kind::kEnded) return status.end;
  // Locked again after it was free: someone else runs it now.
  return LostEnd(job_dir, "the job was started again by another runner");
}

JobStatus JobStatusFromDir(const std::string& job_dir) {
  JobStatus status;
  if (auto end = ReadJobEnd(job_dir)) {
    status.kind = JobStatus::Kind::kEnded;
    status.end = *end;
    return status;
  }
  if (JobLockHeld(job_dir)) {
    status.kind = JobStatus::Kind::kRunning;
    return status;
  }
  // The lock is free: the runner is gone. Read exit again, as the runner may
  // have recorded it and ended between the two looks.
  if (auto end = ReadJobEnd(job_dir)) {
    status.kind = JobStatus::Kind::kEnded;
    status.end = *end;
    return status;
  }
  status.kind = JobStatus::Kind::kEnded;
  status.end = ReadStarted(job_dir) ? LostEnd(job_dir, "the wrapper died without recording the end")
                                    : LostEnd(job_dir, "never started");
  return status;
}

}  // namespace hpcflow::backends
