#include "backends/slurm/slurm_backend.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "backends/job_dir.h"
#include "backends/slurm/array_plan.h"
#include "backends/slurm/job_markers.h"
#include "backends/slurm/sbatch_script.h"
#include "backends/slurm/slurm_parse.h"
#include "backends/slurm/slurm_state.h"
#include "common/crash_point.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/json.h"

namespace hpcflow::backends {

namespace {

namespace fs = std::filesystem;
using slurm::CommandOutput;

std::string Join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += sep;
    out += word;
  }
  return out;
}

std::string CommandError(const std::string& what, const CommandOutput& output) {
  std::string err = slurm::Trimmed(output.err);
  if (err.empty()) err = slurm::Trimmed(output.out);
  return what + " failed (exit " + std::to_string(output.exit_code) + ")" +
         (err.empty() ? "" : ": " + err);
}

// Where the files of one sbatch call go: a plain job's own directory, or, for
// an array, a folder in its first element's directory (an array has no
// directory of its own, and the first element's is sure to exist).
struct UnitFiles {
  std::string dir;
  std::string script;
  std::string job_list;  // arrays only
  std::string output;    // sbatch patterns, escaped
  std::string error;
};

UnitFiles FilesFor(const JobSpec& first, bool is_array) {
  UnitFiles files;
  if (is_array) {
    files.dir = first.job_dir + "/slurm_array";
    files.script = files.dir + "/batch.sh";
    files.job_list = files.dir + "/job_dirs";
    files.output = slurm::EscapeFilenamePattern(files.dir) + "/slurm-%A_%a.out";
    files.error = slurm::EscapeFilenamePattern(files.dir) + "/slurm-%A_%a.err";
  } else {
    files.dir = first.job_dir;
    files.script = files.dir + "/slurm_batch.sh";
    files.output = slurm::EscapeFilenamePattern(files.dir) + "/slurm.out";
    files.error = slurm::EscapeFilenamePattern(files.dir) + "/slurm.err";
  }
  return files;
}

}  // namespace

SlurmBackend::SlurmBackend(SlurmBackendOptions options)
    : options_(std::move(options)), commands_(options_.bin_dir, options_.command_timeout_ms) {}

bool SlurmBackend::Understands(const std::string& parameter) const {
  static const std::set<std::string> kUnderstood = {"Command",    "Environment", "WorkingDirectory",
                                                    "Cpus",       "Memory",      "Time",
                                                    "Nodes",      "Tasks",       "Gpus",
                                                    "Partition",  "Account",     "Qos",
                                                    "Constraint", "SbatchArgs"};
  return kUnderstood.count(parameter) > 0;
}

Result<SlurmBackend::ClusterConfig> SlurmBackend::Config() {
  std::lock_guard<std::mutex> lock(config_mutex_);
  if (config_) return *config_;
  auto output = commands_.RunRetrying("scontrol", {"show", "config"}, options_.query_retry);
  if (!output) return Fail(output.error());
  if (output->exit_code != 0) return Fail("slurm", CommandError("scontrol show config", *output));
  ClusterConfig config;
  if (auto size = slurm::ParseConfigValue(output->out, "MaxArraySize")) {
    try {
      config.max_array_size = std::stoi(*size);
    } catch (const std::exception&) {
      return Fail("slurm", "scontrol show config: MaxArraySize '" + *size + "' is not a number");
    }
  }
  if (options_.max_array_size > 0) config.max_array_size = options_.max_array_size;
  auto accounting = slurm::ParseConfigValue(output->out, "AccountingStorageType");
  config.accounting = accounting && *accounting != "accounting_storage/none";
  config_ = config;
  return config;
}

Result<std::map<std::string, std::string>> SlurmBackend::FindByName(
    const std::vector<std::string>& names) {
  auto output = commands_.RunRetrying(
      "squeue",
      {"--noheader", "--all", "--states=all", "--name=" + Join(names, ","), "--format=%F|%j"},
      options_.query_retry);
  if (!output) return Fail(output.error());
  if (output->exit_code != 0) {
    return Fail("slurm", CommandError("squeue --name (looking for earlier submissions)", *output));
  }
  return slurm::ParseSqueueNames(output->out);
}

Result<std::string> SlurmBackend::RunSbatch(const std::string& slurm_name,
                                            const std::vector<std::string>& args) {
  const slurm::RetryPolicy& policy = options_.submit_retry;
  std::string last_error;
  for (int attempt = 1; attempt <= std::max(1, policy.max_attempts); ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(slurm::BackoffMs(policy, attempt - 1)));
      // The failed attempt may have been accepted (a reply lost to a socket
      // timeout): the unique name tells, and a second sbatch would run the
      // jobs twice.
      auto found = FindByName({slurm_name});
      if (!found) {
        last_error = found.error().cause;
        continue;
      }
      if (auto it = found->find(slurm_name); it != found->end()) return it->second;
    }
    auto output = commands_.Run("sbatch", args);
    if (!output) return Fail(output.error());
    if (output->exit_code == 0) {
      if (auto id = slurm::ParseSbatchJobId(output->out)) return *id;
      return Fail("slurm", "sbatch accepted " + slurm_name + " but printed no job id: '" +
                               slurm::Trimmed(output->out) + "'");
    }
    last_error = CommandError("sbatch of " + slurm_name, *output);
    if (!output->timed_out && !slurm::IsTransientSlurmError(output->err)) break;
  }
  return Fail("slurm", last_error);
}

Result<std::vector<JobHandle>> SlurmBackend::Submit(const std::vector<JobSpec>& jobs,
                                                    const SubmitOptions& options) {
  std::vector<JobHandle> handles;
  std::vector<bool> settled(jobs.size(), false);
  std::vector<size_t> to_look_up;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const JobSpec& spec = jobs[i];
    handles.push_back({spec.name, spec.job_dir, ""});
    if (spec.job_dir.empty() || spec.job_dir[0] != '/') {
      return Fail("usage",
                  "job '" + spec.name + "' has no absolute job directory: '" + spec.job_dir + "'");
    }
    if (auto env = CheckEnvironment(spec.environment); !env) {
      return Fail("usage", "job '" + spec.name + "': " + env.error().cause);
    }
    if (auto made = CreatePrivateDirectories(spec.job_dir); !made) {
      return Fail("io", "cannot create the job directory: " + made.error().cause);
    }
    if (auto id = slurm::ReadJobIdMarker(spec.job_dir)) {
      handles[i].job_id = *id;
      settled[i] = true;
    } else if (slurm::ReadSubmitIntent(spec.job_dir)) {
      to_look_up.push_back(i);
    }
  }

  // Jobs that were about to be submitted when a previous orchestrator died.
  if (!to_look_up.empty()) {
    std::vector<std::string> names;
    for (size_t i : to_look_up) {
      std::string name = slurm::ReadSubmitIntent(jobs[i].job_dir)->slurm_name;
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    auto found = FindByName(names);
    if (!found) return Fail(found.error());
    for (size_t i : to_look_up) {
      auto intent = slurm::ReadSubmitIntent(jobs[i].job_dir);
      auto it = found->find(intent->slurm_name);
      if (it != found->end()) {
        std::string id = it->second;
        if (intent->array_index >= 0) id.append("_").append(std::to_string(intent->array_index));
        if (auto status = slurm::WriteJobIdMarker(jobs[i].job_dir, id); !status) {
          return Fail(status.error());
        }
        handles[i].job_id = id;
        settled[i] = true;
      } else if (slurm::HasStarted(jobs[i].job_dir)) {
        // It ran (the controller has forgotten it) but recorded no id:
        // never run it again; Reconcile reads its end from the job directory.
        settled[i] = true;
      }
    }
  }

  std::vector<size_t> pending;
  std::vector<const JobSpec*> pending_specs;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (settled[i]) continue;
    pending.push_back(i);
    pending_specs.push_back(&jobs[i]);
  }
  if (pending.empty()) return handles;

  auto config = Config();
  if (!config) return Fail(config.error());
  auto units = slurm::PlanUnits(pending_specs, config->max_array_size, options.max_concurrent);

  std::vector<std::string> unit_ids;
  for (const auto& unit : units) {
    std::vector<size_t> members;  // indices into jobs
    for (size_t k : unit.jobs) members.push_back(pending[k]);
    std::string after =
        unit.after_unit >= 0 ? unit_ids[static_cast<size_t>(unit.after_unit)] : std::string();
    auto id = SubmitUnit(jobs, members, unit.is_array, unit.throttle, after);
    if (!id) {
      // Withdraw what this call already submitted: the caller is told that
      // nothing was accepted, and may retry the whole Submit.
      if (!unit_ids.empty()) {
        (void)commands_.RunRetrying("scancel", unit_ids, options_.query_retry);
        for (size_t i : pending) {
          if (slurm::ReadJobIdMarker(jobs[i].job_dir)) slurm::RemoveSubmitMarkers(jobs[i].job_dir);
        }
      }
      return Fail(id.error());
    }
    unit_ids.push_back(*id);
    for (size_t k = 0; k < members.size(); ++k) {
      size_t i = members[k];
      handles[i].job_id = unit.is_array ? *id + "_" + std::to_string(k) : *id;
      if (auto status = slurm::WriteJobIdMarker(jobs[i].job_dir, handles[i].job_id); !status) {
        // The job is queued; without the marker a restarted orchestrator
        // still finds it by name (its intent file is there).
        continue;
      }
    }
  }
  return handles;
}

Result<std::string> SlurmBackend::SubmitUnit(const std::vector<JobSpec>& jobs,
                                             const std::vector<size_t>& members, bool is_array,
                                             int throttle, const std::string& after_job_id) {
  const JobSpec& first = jobs[members.front()];
  std::vector<const JobSpec*> specs;
  std::vector<std::string> names;
  for (size_t i : members) {
    specs.push_back(&jobs[i]);
    names.push_back(jobs[i].name);
  }
  const std::string slurm_name =
      is_array ? slurm::ArrayJobName(names) : slurm::SlurmJobName(first.name);
  UnitFiles files = FilesFor(first, is_array);

  slurm::ScriptRequest script;
  script.hpcflow_binary = options_.hpcflow_binary;
  script.description = is_array ? "array " + slurm_name + " of " + std::to_string(members.size()) +
                                      " jobs, first " + first.name
                                : first.name;
  std::string chdir = first.working_directory.empty() ? first.job_dir : first.working_directory;
  if (is_array) {
    if (auto made = CreatePrivateDirectories(files.dir); !made) return Fail(made.error());
    script.job_list = files.job_list;
    std::string list;
    for (const JobSpec* spec : specs) {
      if (spec->job_dir.find('\n') != std::string::npos) {
        return Fail("usage", "job directory with a newline: " + spec->job_dir);
      }
      list += spec->job_dir + "\n";
    }
    // The wrapper changes to each job's own working directory; the batch
    // script starts in the shared one if there is one.
    for (const JobSpec* spec : specs) {
      if (spec->working_directory != first.working_directory) chdir = files.dir;
    }
    if (auto status = WriteFileAtomically(files.job_list, list); !status) {
      return Fail(status.error());
    }
  } else {
    script.job_dir = first.job_dir;
  }
  auto text = slurm::BatchScript(script);
  if (!text) return Fail(text.error());
  if (auto status = WriteFileAtomically(files.script, *text); !status) {
    return Fail(status.error());
  }
  for (size_t k = 0; k < specs.size(); ++k) {
    const JobSpec& spec = *specs[k];
    if (auto status = WriteFileAtomically(JobFiles(spec.job_dir).spec(),
                                          DumpJson(JobSpecToJson(spec)) + "\n");
        !status) {
      return Fail(status.error());
    }
    // Last before sbatch: from here on a crash leaves a job to look up.
    if (auto status = slurm::WriteSubmitIntent(spec.job_dir,
                                               {slurm_name, is_array ? static_cast<int>(k) : -1});
        !status) {
      return Fail(status.error());
    }
  }

  slurm::SbatchRequest request;
  request.job_name = slurm_name;
  request.array_count = is_array ? static_cast<int>(members.size()) : 0;
  request.throttle = throttle;
  request.after_job_id = after_job_id;
  request.chdir = chdir;
  request.output = files.output;
  request.error = files.error;
  request.script = files.script;
  request.resources = slurm::ResourceArguments(first);
  CrashPoint("slurm.before_sbatch");
  auto id = RunSbatch(slurm_name, slurm::SbatchArguments(request));
  if (id) CrashPoint("slurm.after_sbatch");
  return id;
}

void SlurmBackend::Cancel(const std::vector<JobHandle>& jobs) {
  std::vector<std::string> ids;
  for (const auto& job : jobs) {
    std::string id = job.job_id;
    if (!job.job_dir.empty()) {
      if (auto marker = slurm::ReadJobIdMarker(job.job_dir)) id = *marker;  // resubmitted
    }
    if (id.empty()) continue;
    if (!job.job_dir.empty()) WriteCancelRequest(job.job_dir);
    ids.push_back(id);
  }
  auto words = slurm::CompressJobIds(ids);
  if (words.empty()) return;
  // scancel exits 0 for jobs that already ended; for unknown ids it complains
  // and may exit non-zero, which for a cancel is "already gone": ignored.
  (void)commands_.RunRetrying("scancel", words, options_.query_retry);
}

std::vector<JobStatus> SlurmBackend::Reconcile(const std::vector<JobHandle>& handles) {
  // A job submitted again (it ended without starting) has a new Slurm id,
  // recorded in its directory: the directory is the authority.
  std::vector<JobHandle> jobs = handles;
  for (auto& job : jobs) {
    if (job.job_dir.empty()) continue;
    if (auto id = slurm::ReadJobIdMarker(job.job_dir)) job.job_id = *id;
  }
  const int64_t now = NowMs();
  std::vector<JobStatus> statuses(jobs.size());
  std::vector<slurm::JobEvidence> evidence(jobs.size());
  std::vector<bool> decided(jobs.size(), false);
  std::vector<std::string> bases;
  // What the job directory says. Read again after Slurm is asked: a job that
  // ends between the two reads would otherwise look ended by Slurm with no
  // record of the wrapper (lost), or never started (and be run again).
  auto read_markers = [&](size_t i) {
    auto& e = evidence[i];
    const std::string& dir = jobs[i].job_dir;
    if (dir.empty()) return;
    e.wrapper_end = slurm::ReadWrapperEnd(dir);
    e.started = slurm::HasStarted(dir);
    e.cancelled_by_us = CancelRequested(dir);
    if (e.started) {
      if (auto text = ReadFile(JobFiles(dir).started())) {
        if (auto json = ParseJson(*text); json && json->is_object()) {
          e.start_ms = json->value("start_ms", int64_t{0});
        }
      }
    }
  };
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto& e = evidence[i];
    e.job_id = jobs[i].job_id.empty() ? "(id unknown) of " + jobs[i].name : jobs[i].job_id;
    e.now_ms = now;
    read_markers(i);
    // A normal end recorded by the wrapper needs no question to Slurm; one
    // that looks killed does (a time limit, a preemption, a scancel).
    if (e.wrapper_end && !slurm::LooksKilled(*e.wrapper_end)) {
      statuses[i] = slurm::DecideStatus(e);
      decided[i] = true;
      continue;
    }
    if (jobs[i].job_id.empty()) continue;
    std::string base = slurm::SplitSlurmJobId(jobs[i].job_id).base;
    if (std::find(bases.begin(), bases.end(), base) == bases.end()) bases.push_back(base);
  }

  std::map<std::string, slurm::SlurmJobRecord> records;
  std::set<std::string> known_bases;
  bool query_failed = false;
  if (!bases.empty()) {
    std::vector<std::string> args = {"--all", "--states=all", "--jobs=" + Join(bases, ",")};
    for (const auto& a : slurm::SqueueRecordFormat()) args.push_back(a);
    auto output = commands_.RunRetrying("squeue", args, options_.query_retry);
    // "Invalid job id specified": the one id asked about is gone; not a failure.
    if (!output ||
        (output->exit_code != 0 && output->err.find("Invalid job id") == std::string::npos)) {
      query_failed = true;
    } else {
      for (auto& record : slurm::ParseSqueueRecords(output->out)) {
        known_bases.insert(slurm::SplitSlurmJobId(record.job_id).base);
        records[record.job_id] = std::move(record);
      }
    }
  }

  // Jobs the controller has forgotten: ask accounting, where there is one.
  if (!query_failed) {
    std::vector<std::string> missing;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!decided[i] && !jobs[i].job_id.empty() && !records.count(jobs[i].job_id)) {
        missing.push_back(jobs[i].job_id);
      }
    }
    if (!missing.empty()) {
      auto config = Config();
      if (config && config->accounting) {
        auto output =
            commands_.RunRetrying("sacct",
                                  {"--noheader", "--parsable2", "--allocations",
                                   "--jobs=" + Join(missing, ","), "--format=JobID,State,ExitCode"},
                                  options_.query_retry);
        if (output && output->exit_code == 0) {
          for (auto& record : slurm::ParseSacctRecords(output->out)) {
            records.emplace(record.job_id, std::move(record));
          }
        }
      }
    }
  }

  for (size_t i = 0; i < jobs.size(); ++i) {
    if (decided[i]) continue;
    auto& e = evidence[i];
    if (query_failed) {
      // Slurm could not be asked: never call a job lost on that basis.
      statuses[i].kind =
          e.started || e.wrapper_end ? JobStatus::Kind::kRunning : JobStatus::Kind::kQueued;
      continue;
    }
    if (auto it = records.find(jobs[i].job_id); it != records.end()) e.slurm = it->second;
    if (!e.slurm || slurm::IsFinalSlurmState(e.slurm->state)) read_markers(i);
    auto split = slurm::SplitSlurmJobId(jobs[i].job_id);
    e.array_known = split.index >= 0 && known_bases.count(split.base) > 0;
    if (slurm::EndedWithoutStarting(e) &&
        slurm::ReadResubmitCount(jobs[i].job_dir) < kMaxResubmits) {
      // Nothing ran: it may run now, once (a wrapper killed before its start
      // gate opened). A batch script that keeps failing before the wrapper
      // runs it (a missing binary on the nodes) ends lost after a few tries.
      if (Resubmit(jobs[i])) {
        statuses[i].kind = JobStatus::Kind::kQueued;
        continue;
      }
    }
    statuses[i] = slurm::DecideStatus(e);
  }
  return statuses;
}

bool SlurmBackend::Resubmit(const JobHandle& job) {
  auto spec_json = ReadJsonFile(JobFiles(job.job_dir).spec());
  if (!spec_json) return false;
  JobSpec spec = JobSpecFromJson(*spec_json);
  int count = slurm::ReadResubmitCount(job.job_dir) + 1;
  slurm::WriteResubmitCount(job.job_dir, count);
  slurm::RemoveSubmitMarkers(job.job_dir);
  // A Slurm name of its own: the one it ended under still names that job.
  spec.name = job.name + "-r" + std::to_string(count);
  auto id = SubmitUnit({spec}, {0}, false, 0, "");
  if (!id) return false;
  (void)slurm::WriteJobIdMarker(job.job_dir, *id);
  return true;
}

}  // namespace hpcflow::backends
