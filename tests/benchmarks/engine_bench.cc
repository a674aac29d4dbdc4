// The embedding API's speed targets (issue: embedding):
//   - an embedded Engine starts and finishes a one-Pass-state execution in
//     < 1 ms of CPU (the process's, every thread counted);
//   - a function task round trip (the runtime hands the call to a function
//     thread and applies its result) costs < 50 us.
// Figures, not a timed test: run `engine_bench [N [PHASE]]` from a Release
// build (PHASE: pass-durable, pass-express, function-durable, function-express).
// Each figure is measured durable (SQLite history, the default) and
// express (no history), on a state directory in $TMPDIR.
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "hpcflow/hpcflow.h"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Check(bool ok, const hpcflow::Error& error, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "engine_bench: %s: %s: %s\n", what, error.name.c_str(), error.cause.c_str());
  std::exit(1);
}

// N executions of a one-Pass workflow, one after another (start, wait).
void PassExecutions(hpcflow::Engine& engine, int n, bool express) {
  hpcflow::StartRequest request;
  request.definition = R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})";
  request.input = R"({"sample":1})";
  request.express = express;
  for (int i = 0; i < 20; ++i) {  // warm-up
    auto id = engine.Start(request);
    Check(bool(id), id ? hpcflow::Error{} : id.error(), "start");
    (void)engine.Wait(*id, std::chrono::seconds(10));
  }
  double cpu = CpuSeconds(), wall = WallSeconds();
  for (int i = 0; i < n; ++i) {
    auto id = engine.Start(request);
    Check(bool(id), id ? hpcflow::Error{} : id.error(), "start");
    auto done = engine.Wait(*id, std::chrono::seconds(10));
    Check(done && done->succeeded(), done ? hpcflow::Error{"", done->status} : done.error(),
          "wait");
  }
  cpu = CpuSeconds() - cpu;
  wall = WallSeconds() - wall;
  std::printf(
      "engine one-Pass execution (%s, n=%d): %.1f us CPU, %.1f us wall each "
      "(target < 1000 us CPU)\n",
      express ? "express" : "durable", n, cpu / n * 1e6, wall / n * 1e6);
}

// One execution looping `k` times through a state; returns its wall time.
double Loop(hpcflow::Engine& engine, const std::string& body, int k, bool express) {
  std::string definition = R"j({"StartAt":"Body","States":{
    "Body":)j" + body + R"j(,
    "Count":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"More"},
    "More":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":)j" +
                           std::to_string(k) + R"j(,"Next":"Body"}],"Default":"Done"},
    "Done":{"Type":"Succeed"}}})j";
  hpcflow::StartRequest request;
  request.definition = definition;
  request.input = R"({"i":0})";
  request.express = express;
  double wall = WallSeconds();
  auto id = engine.Start(request);
  Check(bool(id), id ? hpcflow::Error{} : id.error(), "start loop");
  auto done = engine.Wait(*id, std::chrono::minutes(10));
  Check(done && done->succeeded(),
        done ? hpcflow::Error{done->error.value_or(""), done->cause.value_or("")} : done.error(),
        "loop");
  return WallSeconds() - wall;
}

void FunctionRoundTrip(hpcflow::Engine& engine, int k, bool express, const char* threads) {
  const std::string pass = R"({"Type":"Pass","Next":"Count"})";
  const std::string function =
      R"({"Type":"Task","Resource":"hpcflow:::function:echo","Next":"Count"})";
  Loop(engine, function, 100, express);  // warm-up
  double with_pass = Loop(engine, pass, k, express);
  double cpu = CpuSeconds();
  double with_function = Loop(engine, function, k, express);
  cpu = CpuSeconds() - cpu;
  std::printf(
      "function task round trip (%s, %s, k=%d): %.1f us each beyond a Pass state "
      "(%.1f us per loop with the function, %.1f with a Pass; %.1f us CPU per loop) "
      "(target < 50 us)\n",
      express ? "express" : "durable", threads, k, (with_function - with_pass) / k * 1e6,
      with_function / k * 1e6, with_pass / k * 1e6, cpu / k * 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/hpcflow-engine-bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return 1;
  {
    auto open = [&](const char* name, int threads) {
      hpcflow::EngineOptions options;
      options.state_dir = dir;
      options.name = name;
      options.function_threads = threads;
      options.functions["echo"] =
          [](const hpcflow::FunctionCall& call) -> hpcflow::Result<std::string> {
        return call.input();
      };
      auto engine = hpcflow::Engine::Open(options);
      Check(bool(engine), engine ? hpcflow::Error{} : engine.error(), "open");
      return std::move(*engine);
    };
    auto pooled = open("pooled", 2);   // the default: functions on their own threads
    auto inlined = open("inline", 0);  // function_threads = 0: on the engine's thread
    // `engine_bench N PHASE` runs one phase (for a profiler).
    std::string only = argc > 2 ? argv[2] : "";
    auto want = [&](const char* phase) { return only.empty() || only == phase; };
    if (want("pass-durable")) PassExecutions(*pooled, n, /*express=*/false);
    if (want("pass-express")) PassExecutions(*pooled, n, /*express=*/true);
    if (want("function-durable")) {
      FunctionRoundTrip(*pooled, n, /*express=*/false, "function threads");
      FunctionRoundTrip(*inlined, n, /*express=*/false, "engine thread");
    }
    if (want("function-express")) {
      FunctionRoundTrip(*pooled, n, /*express=*/true, "function threads");
      FunctionRoundTrip(*inlined, n, /*express=*/true, "engine thread");
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
