// qc_pipeline: a research pipeline that embeds hpcflow. Its own C++ steps
// (score, verdict) run as function tasks in this process; the counting step
// runs as a job. The state directory keeps every execution's history, so a
// run killed half-way resumes when the program is started again.
//
//   qc_pipeline WORKFLOW [STATE_DIR]
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "hpcflow/hpcflow.h"

using nlohmann::json;

namespace {

// The fraction of G and C in a sample's sequence.
hpcflow::Result<std::string> Score(const hpcflow::FunctionCall& call) {
  json sample = json::parse(call.input());
  std::string sequence = sample.value("sequence", "");
  if (sequence.empty()) {
    return hpcflow::Fail("QC.EmptySample", "sample " + sample.value("id", "?") + " is empty");
  }
  size_t gc = 0;
  for (char base : sequence) gc += base == 'G' || base == 'C';
  return json{{"gc", static_cast<double>(gc) / sequence.size()}}.dump();
}

// Which samples pass: GC fraction at least the threshold.
hpcflow::Result<std::string> Verdict(const hpcflow::FunctionCall& call) {
  json in = json::parse(call.input());
  json passed = json::array(), failed = json::array();
  for (const auto& s : in["scored"]) {
    bool ok = s["score"]["gc"].get<double>() >= in["threshold"].get<double>();
    (ok ? passed : failed).push_back({{"id", s["id"]}, {"length", s["count"]["length"]}});
  }
  return json{{"passed", passed}, {"failed", failed}}.dump();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: qc_pipeline WORKFLOW [STATE_DIR]\n";
    return 2;
  }
  std::cerr << "hpcflow " << HPCFLOW_VERSION_STRING << "\n";
  hpcflow::EngineOptions options;
  if (argc > 2) options.state_dir = argv[2];
  options.name = "qc";
  options.functions["score"] = Score;
  options.functions["verdict"] = Verdict;
  auto engine = hpcflow::Engine::Open(options);
  if (!engine) {
    std::cerr << "qc_pipeline: " << engine.error().name << ": " << engine.error().cause << "\n";
    return 3;
  }

  json input = {{"samples",
                 {{{"id", "s1"}, {"sequence", "GGCCATGC"}},
                  {{"id", "s2"}, {"sequence", "ATATATGC"}},
                  {{"id", "s3"}, {"sequence", "GCGCGCGCAT"}}}}};
  hpcflow::StartRequest request;
  request.definition_file = argv[1];
  request.input = input.dump();
  // Started and subscribed at once, so that no event is missed.
  int tasks_done = 0;  // only the engine's thread touches it
  auto started = (*engine)->StartAndSubscribe(request, [&](const hpcflow::HistoryEvent& e) {
    if (e.type == "TaskSucceeded") std::cerr << "  task " << ++tasks_done << " done\n";
  });
  if (!started) {
    std::cerr << "qc_pipeline: " << started.error().name << ":\n" << started.error().cause << "\n";
    return 2;
  }
  const std::string& id = started->execution_id;
  auto done = (*engine)->Wait(id, std::chrono::minutes(10));
  if (!done) {
    std::cerr << "qc_pipeline: " << done.error().cause << "\n";
    return 1;
  }
  std::cerr << "execution " << done->id << ": " << done->status << " after " << done->transitions
            << " transitions\n";
  if (!done->succeeded()) {
    std::cerr << done->error.value_or("") << ": " << done->cause.value_or("") << "\n";
    return 1;
  }
  std::cout << json::parse(*done->output).dump(2) << "\n";
  return 0;
}
