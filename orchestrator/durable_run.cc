#include "orchestrator/durable_run.h"

#include <filesystem>

#include <unistd.h>

#include "common/ids.h"
#include "orchestrator/cli.h"
#include "orchestrator/durable_runtime.h"
#include "orchestrator/execution_store.h"

namespace hpcflow::orchestrator {

Result<RunResult> RunDurably(const std::string& workflow_path, const std::string& state_dir,
                             const Json& input, uint64_t seed, int64_t payload_limit) {
  auto text = ReadFile(workflow_path);
  if (!text) return Fail(text.error());
  auto store = ExecutionStore::Open(state_dir);
  if (!store) return Fail(store.error());
  ExecutionRecord record;
  record.id = NewUuid();
  record.name = record.id;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(workflow_path, ec);
  record.workflow = ec ? workflow_path : absolute.lexically_normal().string();
  record.definition = *text;
  record.input = DumpJson(input);
  record.status = "PENDING";
  record.created_ms = NowMs();
  record.seed = static_cast<int64_t>(seed ? seed >> 1 : RandomSeed() >> 1);
  record.payload_limit = payload_limit;
  record.owner = "run:" + std::to_string(getpid());
  if (auto s = (*store)->CreateExecution(record); !s) return Fail(s.error());

  RuntimeOptions options;
  options.state_dir = state_dir;
  options.hpcflow_binary = SelfBinary();
  options.owner = record.owner;
  options.poll_interval_ms = 50;
  auto runtime = DurableRuntime::Create(options);
  if (!runtime) return Fail(runtime.error());
  if (auto s = (*runtime)->Run(/*until_idle=*/true); !s) return Fail(s.error());

  auto done = (*store)->GetExecution(record.id);
  if (!done) return Fail(done.error());
  if (!*done) return Fail("store", "the execution vanished from the store");
  const ExecutionRecord& r = **done;
  RunResult result;
  result.execution_id = r.id;
  result.transitions = r.transitions;
  result.status = r.status == "SUCCEEDED"   ? workflows::ExecutionStatus::kSucceeded
                  : r.status == "TIMED_OUT" ? workflows::ExecutionStatus::kTimedOut
                  : r.status == "ABORTED"   ? workflows::ExecutionStatus::kAborted
                  : r.status == "FAILED"    ? workflows::ExecutionStatus::kFailed
                                            : workflows::ExecutionStatus::kRunning;
  if (r.output) {
    auto output = ParseJson(*r.output);
    if (output) result.output = std::move(*output);
  }
  result.error.name = r.error.value_or("");
  result.error.cause = r.cause;
  return result;
}

}  // namespace hpcflow::orchestrator
