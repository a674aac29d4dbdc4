#include "backends/slurm/slurm_parse.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

namespace hpcflow::backends::slurm {

namespace {

std::vector<std::string> Split(const std::string& line, char sep) {
  std::vector<std::string> fields;
  size_t begin = 0;
  while (true) {
    size_t end = line.find(sep, begin);
    fields.push_back(
        line.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return fields;
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

std::vector<std::string> Lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::optional<long long> ToNumber(const std::string& text) {
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool IsJobId(const std::string& id) {
  SplitJobId split = SplitSlurmJobId(id);
  if (!ToNumber(split.base)) return false;
  if (id.find('_') != std::string::npos && split.index < 0) return false;
  return true;
}

// "CANCELLED by 0" -> "CANCELLED"; "COMPLETING" stays.
std::string BaseState(const std::string& state) {
  std::string base = Trim(state);
  size_t space = base.find(' ');
  if (space != std::string::npos) base.resize(space);
  std::transform(base.begin(), base.end(), base.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return base;
}

}  // namespace

std::optional<std::string> ParseSbatchJobId(const std::string& out) {
  for (const auto& line : Lines(out)) {
    std::string id = line.substr(0, line.find(';'));
    if (ToNumber(id)) return id;
  }
  return std::nullopt;
}

std::vector<std::string> SqueueRecordFormat() {
  return {"--noheader", "--array", "--Format=JobArrayID:|,State:|,Reason:|,exit_code:|"};
}

std::vector<SlurmJobRecord> ParseSqueueRecords(const std::string& out) {
  std::vector<SlurmJobRecord> records;
  for (const auto& line : Lines(out)) {
    auto fields = Split(line, '|');
    if (fields.size() < 4) continue;
    SlurmJobRecord record;
    record.job_id = Trim(fields[0]);
    record.state = BaseState(fields[1]);
    record.reason = Trim(fields[2]);
    if (!IsJobId(record.job_id) || record.state.empty()) continue;
    if (auto status = ToNumber(Trim(fields[3]))) {
      record.exit_known = true;
      record.exit_code = static_cast<int>((*status >> 8) & 0xff);
      record.signal = static_cast<int>(*status & 0x7f);
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::map<std::string, std::string> ParseSqueueNames(const std::string& out) {
  std::map<std::string, std::string> ids;
  for (const auto& line : Lines(out)) {
    size_t bar = line.find('|');
    if (bar == std::string::npos) continue;
    std::string id = Trim(line.substr(0, bar));
    std::string rest = line.substr(bar + 1);
    std::string name = Trim(rest.substr(0, rest.find('|')));
    if (!ToNumber(id) || name.empty()) continue;
    // Of several jobs with one name (a withdrawn submission, then a new
    // one), the latest counts.
    auto [it, inserted] = ids.emplace(name, id);
    if (!inserted && *ToNumber(id) > *ToNumber(it->second)) it->second = id;
  }
  return ids;
}

std::vector<SlurmJobRecord> ParseSacctRecords(const std::string& out) {
  std::vector<SlurmJobRecord> records;
  for (const auto& line : Lines(out)) {
    auto fields = Split(line, '|');
    if (fields.size() < 3) continue;
    SlurmJobRecord record;
    record.job_id = Trim(fields[0]);
    if (!IsJobId(record.job_id)) continue;  // steps, pending ranges
    record.state = BaseState(fields[1]);
    auto code = Split(Trim(fields[2]), ':');
    if (code.size() == 2 && ToNumber(code[0]) && ToNumber(code[1])) {
      record.exit_known = true;
      record.exit_code = static_cast<int>(*ToNumber(code[0]));
      record.signal = static_cast<int>(*ToNumber(code[1]));
    }
    if (!record.state.empty()) records.push_back(std::move(record));
  }
  return records;
}

std::optional<std::string> ParseConfigValue(const std::string& out, const std::string& key) {
  for (const auto& line : Lines(out)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    if (Trim(line.substr(0, eq)) == key) return Trim(line.substr(eq + 1));
  }
  return std::nullopt;
}

SplitJobId SplitSlurmJobId(const std::string& job_id) {
  SplitJobId split;
  size_t underscore = job_id.find('_');
  split.base = job_id.substr(0, underscore);
  if (underscore != std::string::npos) {
    auto index = ToNumber(job_id.substr(underscore + 1));
    if (index && *index >= 0) split.index = static_cast<int>(*index);
  }
  return split;
}

std::vector<std::string> CompressJobIds(const std::vector<std::string>& job_ids) {
  std::vector<std::string> words;
  std::map<std::string, std::set<int>> elements;
  std::vector<std::string> order;
  std::set<std::string> plain;
  for (const auto& id : job_ids) {
    SplitJobId split = SplitSlurmJobId(id);
    if (split.base.empty()) continue;
    if (split.index < 0) {
      if (plain.insert(split.base).second) order.push_back(split.base);
      continue;
    }
    if (!elements.count(split.base)) order.push_back(split.base + "_");
    elements[split.base].insert(split.index);
  }
  for (const auto& key : order) {
    if (key.back() != '_') {
      words.push_back(key);
      continue;
    }
    std::string base = key.substr(0, key.size() - 1);
    std::string ranges;
    const auto& indices = elements[base];
    for (auto it = indices.begin(); it != indices.end();) {
      int first = *it;
      int last = first;
      ++it;
      while (it != indices.end() && *it == last + 1) last = *it++;
      if (!ranges.empty()) ranges += ",";
      ranges += std::to_string(first);
      if (last != first) ranges.append("-").append(std::to_string(last));
    }
    words.push_back(indices.size() == 1 ? base + "_" + ranges : base + "_[" + ranges + "]");
  }
  return words;
}

}  // namespace hpcflow::backends::slurm
