#include "backends/slurm/sbatch_script.h"

#include <cstdio>

#include "backends/slurm/job_markers.h"

namespace hpcflow::backends::slurm {

namespace {

uint64_t Fnv1a(uint64_t hash, const std::string& text) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;

std::string Hex(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '+' || c == '@' || c == '=' || c == '-';
}

}  // namespace

std::string ShellQuote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

bool IsShellVariableName(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string EscapeFilenamePattern(const std::string& path) {
  std::string out;
  for (char c : path) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

std::string SlurmJobName(const std::string& name) {
  constexpr size_t kMaxPlain = 200;
  std::string out;
  bool changed = name.empty();
  for (char c : name) {
    if (IsNameChar(c)) {
      out += c;
    } else {
      out += '_';
      changed = true;
    }
  }
  if (out.size() > kMaxPlain) {
    out.resize(kMaxPlain);
    changed = true;
  }
  if (changed) out.append("-").append(Hex(Fnv1a(kFnvOffset, name)));
  return out;
}

std::string ArrayJobName(const std::vector<std::string>& element_names) {
  uint64_t hash = kFnvOffset;
  for (const auto& name : element_names) {
    hash = Fnv1a(hash, name);
    hash = Fnv1a(hash, std::string(1, '\0'));  // "a","bc" differs from "ab","c"
  }
  return "hpcflow-array-" + std::to_string(element_names.size()) + "-" + Hex(hash);
}

int64_t TimeLimitMinutes(int64_t seconds) {
  if (seconds <= 0) return 0;
  return (seconds + 59) / 60;
}

std::vector<std::string> ResourceArguments(const JobSpec& spec) {
  std::vector<std::string> args;
  if (!spec.partition.empty()) args.push_back("--partition=" + spec.partition);
  if (spec.time_limit_s > 0) {
    args.push_back("--time=" + std::to_string(TimeLimitMinutes(spec.time_limit_s)));
  }
  if (spec.nodes > 0) args.push_back("--nodes=" + std::to_string(spec.nodes));
  if (spec.tasks > 0) args.push_back("--ntasks=" + std::to_string(spec.tasks));
  if (spec.cpus > 0) args.push_back("--cpus-per-task=" + std::to_string(spec.cpus));
  if (spec.memory_mb > 0) args.push_back("--mem=" + std::to_string(spec.memory_mb) + "M");
  if (spec.gpus > 0) args.push_back("--gpus=" + std::to_string(spec.gpus));
  if (!spec.account.empty()) args.push_back("--account=" + spec.account);
  if (!spec.qos.empty()) args.push_back("--qos=" + spec.qos);
  if (!spec.constraint.empty()) args.push_back("--constraint=" + spec.constraint);
  args.insert(args.end(), spec.sbatch_args.begin(), spec.sbatch_args.end());
  return args;
}

std::string ArrayRange(int count, int throttle) {
  std::string range = "0";
  if (count > 1) range.append("-").append(std::to_string(count - 1));
  if (throttle > 0) range.append("%").append(std::to_string(throttle));
  return range;
}

std::vector<std::string> SbatchArguments(const SbatchRequest& request) {
  // --open-mode=append: a job submitted again (it ended without starting)
  // keeps what its first batch script said in its log.
  std::vector<std::string> args = {"--parsable", "--job-name=" + request.job_name, "--export=ALL",
                                   "--open-mode=append"};
  if (request.array_count > 0) {
    args.push_back("--array=" + ArrayRange(request.array_count, request.throttle));
  }
  if (!request.after_job_id.empty())
    args.push_back("--dependency=afterany:" + request.after_job_id);
  if (!request.chdir.empty()) args.push_back("--chdir=" + request.chdir);
  if (!request.output.empty()) args.push_back("--output=" + request.output);
  if (!request.error.empty()) args.push_back("--error=" + request.error);
  // Resources last but before the script, so that SbatchArgs can override
  // anything above (sbatch takes the last of repeated options).
  args.insert(args.end(), request.resources.begin(), request.resources.end());
  args.push_back(request.script);
  return args;
}

Result<std::string> BatchScript(const ScriptRequest& request) {
  std::string script = "#!/bin/sh\n";
  std::string comment = request.description;
  for (char& c : comment) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  script += "# hpcflow batch script for " + comment + " (generated).\n";
  script += "# Runs the job under `hpcflow job-wrapper JOB_DIR`, which reads JOB_DIR/spec.json\n";
  script += "# and records the job's end in JOB_DIR.\n";
  if (request.job_list.empty()) {
    if (request.job_dir.find('\n') != std::string::npos) {
      return Fail("usage", "job directory with a newline: " + request.job_dir);
    }
    script += "hpcflow_job_dir=" + ShellQuote(request.job_dir) + "\n";
    script += "hpcflow_slurm_id=\"$SLURM_JOB_ID\"\n";
  } else {
    script += "hpcflow_job_dir=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " +
              ShellQuote(request.job_list) + ")\n";
    script +=
        "if [ -z \"$hpcflow_job_dir\" ]; then\n"
        "  echo \"hpcflow: no job directory for array index $SLURM_ARRAY_TASK_ID in \"" +
        ShellQuote(request.job_list) +
        " >&2\n"
        "  exit 1\n"
        "fi\n";
    script += "hpcflow_slurm_id=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n";
  }
  // The job records its own Slurm id, so a job that started is adopted even
  // if the orchestrator died between sbatch and writing the marker and the
  // controller has since forgotten the job.
  script += std::string("hpcflow_id_file=\"$hpcflow_job_dir/") + kJobIdFile + "\"\n";
  script +=
      "if [ ! -s \"$hpcflow_id_file\" ]; then\n"
      "  printf '%s\\n' \"$hpcflow_slurm_id\" >\"$hpcflow_id_file.$$\" &&\n"
      "    mv -f \"$hpcflow_id_file.$$\" \"$hpcflow_id_file\"\n"
      "fi\n";
  script += "exec " + ShellQuote(request.hpcflow_binary) + " job-wrapper \"$hpcflow_job_dir\"\n";
  return script;
}

}  // namespace hpcflow::backends::slurm
