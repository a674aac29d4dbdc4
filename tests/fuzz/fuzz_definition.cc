// libFuzzer target: workflow definition text -> SourceDocument -> Definition
// -> a bounded run of the Interpreter.
//
// The bytes are loaded twice, as "fuzz.yaml" and as "fuzz.json". Every
// document that loads is validated with ParseDefinition, and every problem
// is located in the source (Where), as `hpcflow validate` does. A valid
// definition is started with input {} and driven for a bounded number of
// rounds: timers fire in order, and tasks get results the harness makes up
// (success with the parameters as output, or a failure), so Retry, Catch,
// Wait, Map and Parallel all run. Then the execution is stopped.
//
// The interpreter has no transition budget of its own (an ASL loop of Pass
// and Choice states runs inside one Start call for ever), so the harness
// bounds the run by counting history events and unwinding with a private
// exception type when the budget is spent. Nothing in workflows/ catches it
// (it is not a std::exception), and after it the Interpreter is only
// destroyed.
//
// Besides sanitizer reports, the harness aborts when a message a user would
// see contains "[json.exception": that is a nlohmann exception (a type error,
// an out-of-range access) that some `catch (const std::exception&)` turned
// into an ordinary error, i.e. a bug that did not crash only by luck.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "workflows/definition.h"
#include "workflows/diagnostics.h"
#include "workflows/interpreter.h"
#include "workflows/source_document.h"

namespace {

using namespace hpcflow;
using namespace hpcflow::workflows;

// History events one execution may emit before the harness gives up on it.
constexpr int64_t kMaxEvents = 3000;
// Rounds of "complete tasks / fire the next timer" after Start.
constexpr int kMaxRounds = 64;
// Tasks completed per round; the rest stay running until Stop.
constexpr size_t kMaxTasksPerRound = 64;
constexpr TimeMs kStartTime = 1'700'000'000'000;
// Timers later than this never fire, as no host lives to see them (a Wait
// until year 9999, a saturated timeout); the clock stays in a sane range.
constexpr TimeMs kEndOfTime = kStartTime + 200LL * 366 * 24 * 3600 * 1000;

struct BudgetSpent {};  // deliberately not a std::exception

// The whole fuzz input, for CheckMessage.
std::string_view g_input;

void CheckMessage(std::string_view where, std::string_view text) {
  // The fuzzer learns the marker from this very comparison and writes it
  // into inputs, where messages quote it back; only an unquoted one counts.
  if (text.find("[json.exception") != std::string_view::npos &&
      g_input.find("json.exception") == std::string_view::npos) {
    std::fprintf(stderr, "%.*s: a nlohmann exception was caught and reported as an error: %.*s\n",
                 static_cast<int>(where.size()), where.data(), static_cast<int>(text.size()),
                 text.data());
    std::abort();
  }
}

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

void Run(std::shared_ptr<const Definition> definition, uint64_t seed) {
  int64_t events = 0;
  Interpreter::Options options;
  // Payloads are copied into events for half the inputs, to cover both paths.
  options.event_details = (seed & 1) != 0;
  options.on_event = [&events](const HistoryEvent& e) {
    if (++events > kMaxEvents) throw BudgetSpent{};
    (void)e.details.size();
  };
  // A loop that doubles its data is valid ASL that only the payload limit
  // stops; without one the fuzzer would report it as out-of-memory.
  options.max_payload_bytes = (seed & 2) ? 4096 : (1u << 20);

  ExecutionInfo info;
  info.id = "arn:aws:states:local:0:execution:fuzz:exec";
  info.name = "exec";
  info.state_machine_id = "arn:aws:states:local:0:stateMachine:fuzz";
  info.state_machine_name = "fuzz";
  info.random_seed = seed;

  Interpreter interpreter(std::move(definition), info, std::move(options));
  TimeMs now = kStartTime;
  try {
    Effects effects = interpreter.Start(Json::object(), now);
    std::vector<TaskRequest> tasks;
    std::vector<TimerRequest> timers;
    uint64_t coin = Mix(seed);
    for (int round = 0; round < kMaxRounds; ++round) {
      for (auto& t : effects.start_tasks) tasks.push_back(std::move(t));
      for (const auto& t : effects.start_timers) {
        if (t.fire_at <= kEndOfTime) timers.push_back(t);
      }
      for (uint64_t id : effects.cancel_timers) {
        std::erase_if(timers, [id](const TimerRequest& t) { return t.timer_id == id; });
      }
      for (uint64_t id : effects.cancel_tasks) {
        std::erase_if(tasks, [id](const TaskRequest& t) { return t.task_id == id; });
      }
      if (interpreter.status() != ExecutionStatus::kRunning) break;

      effects = Effects{};
      if (!tasks.empty()) {
        // Complete the oldest tasks: success echoes the parameters, failure
        // uses an error name Retry/Catch rules commonly match.
        size_t n = std::min(tasks.size(), kMaxTasksPerRound);
        for (size_t i = 0; i < n && interpreter.status() == ExecutionStatus::kRunning; ++i) {
          TaskRequest t = std::move(tasks[i]);
          coin = Mix(coin + t.task_id);
          Effects e;
          switch (coin % 4) {
            case 0:
            case 1:
              e = interpreter.OnTaskSucceeded(t.task_id, std::move(t.parameters), now);
              break;
            case 2:
              e = interpreter.OnTaskFailed(t.task_id, AslError{"States.TaskFailed", "fuzz"}, now);
              break;
            case 3:
              interpreter.OnTaskHeartbeat(t.task_id, now);
              e = interpreter.OnTaskFailed(t.task_id, AslError{"Custom.Error", std::nullopt}, now);
              break;
          }
          for (auto& x : e.start_tasks) effects.start_tasks.push_back(std::move(x));
          for (auto& x : e.start_timers) effects.start_timers.push_back(x);
          for (auto x : e.cancel_timers) effects.cancel_timers.push_back(x);
          for (auto x : e.cancel_tasks) effects.cancel_tasks.push_back(x);
        }
        tasks.erase(tasks.begin(), tasks.begin() + static_cast<std::ptrdiff_t>(n));
      } else if (!timers.empty()) {
        // Fire the earliest timer; time never goes backwards.
        auto it = std::min_element(
            timers.begin(), timers.end(),
            [](const TimerRequest& a, const TimerRequest& b) { return a.fire_at < b.fire_at; });
        TimerRequest timer = *it;
        timers.erase(it);
        now = std::max(now, timer.fire_at);
        effects = interpreter.OnTimerFired(timer.timer_id, now);
      } else {
        break;  // blocked on nothing: finished or stuck
      }
    }
    (void)interpreter.RunningTasks();
    interpreter.Stop(AslError{"States.Aborted", "fuzz"}, now);
  } catch (const BudgetSpent&) {
    if (std::getenv("HPCFLOW_FUZZ_VERBOSE")) std::fprintf(stderr, "run: event budget spent\n");
    return;
  }
  if (std::getenv("HPCFLOW_FUZZ_VERBOSE")) {
    std::fprintf(stderr, "run: %s after %lld transitions, %lld events: %s %s\n",
                 ExecutionStatusName(interpreter.status()),
                 static_cast<long long>(interpreter.transitions()), static_cast<long long>(events),
                 interpreter.error().name.c_str(), interpreter.error().cause.value_or("").c_str());
  }
  if (interpreter.status() == ExecutionStatus::kRunning) {
    std::fprintf(stderr, "execution still RUNNING after Stop\n");
    std::abort();
  }
  CheckMessage("execution error", interpreter.error().name);
  if (interpreter.error().cause) CheckMessage("execution cause", *interpreter.error().cause);
  if (interpreter.status() == ExecutionStatus::kSucceeded) {
    (void)DumpJson(interpreter.output());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  g_input = text;
  Json previous_root;
  bool have_previous = false;
  for (const char* name : {"fuzz.yaml", "fuzz.json"}) {
    auto document = SourceDocument::Parse(text, name);
    if (!document) {
      if (std::getenv("HPCFLOW_FUZZ_VERBOSE")) {
        std::fprintf(stderr, "%s\n", document.error().cause.c_str());
      }
      CheckMessage("parse error", document.error().cause);
      continue;
    }
    Diagnostics diags;
    std::shared_ptr<const Definition> definition = ParseDefinition(document->root(), diags);
    for (const Diagnostic& d : diags.items()) {
      CheckMessage("diagnostic", d.message);
      std::string where = document->Where(d.pointer);
      if (std::getenv("HPCFLOW_FUZZ_VERBOSE")) {
        std::fprintf(stderr, "%s%s\n", where.c_str(), d.message.c_str());
      }
    }
    if (!definition) {
      if (diags.empty()) {
        std::fprintf(stderr, "ParseDefinition returned nullptr without a diagnostic\n");
        std::abort();
      }
      continue;
    }
    // YAML that is plain JSON loads to the same value twice; run it once.
    if (have_previous && previous_root == document->root()) continue;
    previous_root = document->root();
    have_previous = true;
    Run(std::move(definition), std::hash<std::string_view>{}(text));
  }
  return 0;
}
