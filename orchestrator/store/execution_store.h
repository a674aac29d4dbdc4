// The durable store of executions: one SQLite database (WAL) in the state
// directory, the single source of truth (DESIGN.md §4.5).
//
// What is kept, per execution:
//   - the execution row (definition text, input, status, result);
//   - `inputs`: every event fed to the interpreter (start, task ended, timer
//     fired, stop), in order. The interpreter is deterministic, so replaying
//     these rebuilds its exact state after a crash;
//   - `events`: the history, named like Step Functions history events;
//   - `tasks`: the outbox of jobs the interpreter asked for, with their
//     submission state and job ids;
//   - `timers`: timers that must fire even across restarts.
// A decision (one input, its events, the tasks and timers it asks for) is
// committed in one transaction before any side effect is performed.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_EXECUTION_STORE_H_
#define HPCFLOW_ORCHESTRATOR_STORE_EXECUTION_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "orchestrator/store/sqlite_db.h"
#include "workflows/interpreter.h"

namespace hpcflow::orchestrator {

struct ExecutionRecord {
  int64_t num = 0;  // the store's row number: keys the history compactly
  std::string id;
  std::string name;
  std::string workflow;               // the file it came from
  std::string definition;             // the definition's text, as submitted
  std::string input;                  // JSON text
  std::string status;                 // PENDING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
  std::optional<std::string> output;  // JSON text
  std::optional<std::string> error;
  std::optional<std::string> cause;
  int64_t created_ms = 0;
  int64_t start_ms = 0;
  int64_t stop_ms = 0;
  std::string parent_id;
  int64_t parent_task = 0;  // the parent's task waiting for this child
  std::string parent_mode;  // "", "sync", "sync2": how the parent waits
  // Who runs it: "" for the state directory's server; "run:<pid>" for an
  // `hpcflow run` process, which the server leaves alone.
  std::string owner;
  bool express = false;
  std::string backend = "local";
  int64_t seed = 0;
  int64_t transitions = 0;
  int64_t payload_limit = 0;
  // JSON text: the external commands its jobs needed, by backend
  // ({"slurm": {"sbatch": 1, "scancel": 1}}), for status --json.
  std::string commands = "{}";
  // Where it was submitted from: its jobs' working directory unless they
  // name one (as sbatch does).
  std::string workdir;
  // The registered state machine it is an execution of ("" when it was
  // started from a file: its name is then the file's stem).
  std::string state_machine;
  // How often it was redriven (hpcflow redrive), and when last.
  int64_t redrive_count = 0;
  int64_t redrive_ms = 0;
};

// What a redrive of an ended execution starts from.
struct RedriveBasis {
  int64_t last_input_seq = 0;    // the input that ended it
  int64_t last_event_id = 0;     // of its history
  int64_t last_task_id = 0;      // of its tasks
  int64_t cancelling_tasks = 0;  // jobs still being stopped
};

// A workflow registered under a name (hpcflow register NAME FILE), with its
// definition as it was then: starting it reads no file.
struct StateMachineRecord {
  std::string name;
  std::string workflow;           // the file it came from (children resolve beside it)
  std::string definition;         // its text
  std::string type = "STANDARD";  // or EXPRESS: its executions keep no history
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// One event fed to the interpreter.
struct InputRecord {
  int64_t seq = 0;
  std::string kind;     // start, task_succeeded, task_failed, heartbeat, task_queued,
                        // task_started, timer, stop, continue, redrive
  int64_t ref = 0;      // task or timer id
  std::string payload;  // JSON text: output, or {"error","cause"}
  int64_t time_ms = 0;
};

struct TaskRecord {
  std::string execution_id;
  int64_t task_id = 0;
  std::string state;
  std::string resource;
  std::string request;  // JSON text of the TaskRequest
  // pending, running, cancelling, succeeded, failed, cancelled
  std::string status;
  std::string job_id;
};

// A job a backend runs (tasks.job_open): its task may have ended (by a
// callback, a timeout, a cancel) while the job runs on, and then it is still
// watched, counted against the slots and adopted after a restart until its
// end is seen.
struct LiveJobRecord {
  TaskRecord task;
  std::string backend;  // the execution's --backend
  std::string execution_status;
};

struct TimerRecord {
  std::string execution_id;
  int64_t timer_id = 0;
  int64_t fire_ms = 0;
};

struct HistoryRow {
  int64_t id = 0;
  std::string type;
  std::string state;
  int64_t time_ms = 0;
  std::string details;  // JSON text, may be empty
};

struct Request {
  int64_t id = 0;
  std::string execution_id;
  std::string kind;  // stop, redrive
  std::string payload;
};

// Everything one interpreter step changes, committed atomically.
struct Decision {
  std::string execution_id;
  int64_t execution_num = 0;
  InputRecord input;
  std::vector<workflows::HistoryEvent> events;
  const workflows::Effects* effects = nullptr;
  int64_t completed_task = 0;                  // marks this task ended (its end is the input)
  std::string completed_status = "succeeded";  // or "failed"
  bool completed_job_ended = false;            // and its job ended too (no longer live)
  std::string status;
  std::optional<std::string> output, error, cause;
  int64_t stop_ms = 0;
  int64_t transitions = 0;
  bool record_history = true;  // false for express executions
  bool redrive = false;        // the input redrives it: count it
};

class ExecutionStore {
 public:
  // Opens or creates `<state_dir>/hpcflow.db`. Errors: the directory cannot
  // be created, the file is not an hpcflow database, or is locked.
  static Result<std::unique_ptr<ExecutionStore>> Open(const std::string& state_dir);

  // Stores a new execution and sets its `num`.
  Status CreateExecution(ExecutionRecord& record);
  // By id, or by name when no id matches. nullopt when unknown.
  Result<std::optional<ExecutionRecord>> GetExecution(const std::string& id_or_name);
  Result<std::vector<ExecutionRecord>> ListExecutions(const std::string& status, int limit);
  // Executions in `status` run by `owner` ("" = the server), oldest first.
  Result<std::vector<ExecutionRecord>> ListOwned(const std::string& status,
                                                 const std::string& owner, int limit);
  Result<std::vector<HistoryRow>> History(const ExecutionRecord& execution);
  Result<std::vector<InputRecord>> Inputs(const std::string& id);
  Result<std::vector<TaskRecord>> OpenTasks(const std::string& id);
  Result<std::vector<TimerRecord>> Timers(const std::string& id);
  Result<int64_t> NextInputSeq(const std::string& id);
  // Children of an execution that have not ended.
  Result<std::vector<ExecutionRecord>> RunningChildren(const std::string& parent_id);

  Status Commit(const Decision& decision);
  Status SetTaskStatus(const std::string& execution_id, int64_t task_id, const std::string& status,
                       const std::string& job_id);
  Status SetCommandCounts(const std::string& execution_id, const std::string& counts);
  // Records the handles (JSON) of jobs handed to a backend, in one
  // transaction: their jobs are live, and pending tasks become running.
  Status RecordJobs(const std::string& execution_id,
                    const std::vector<std::pair<int64_t, std::string>>& tasks);
  // The task's job has ended: it is no longer live.
  Status CloseJob(const std::string& execution_id, int64_t task_id);
  // The live jobs of the executions run by `owner`, whatever their status.
  Result<std::vector<LiveJobRecord>> LiveJobs(const std::string& owner);
  // Hands an execution (and so its requests and jobs) to another owner.
  Status SetOwner(const std::string& execution_id, const std::string& owner);
  // Unfinished executions (PENDING, RUNNING) owned by `hpcflow run`
  // processes ("run:..."), oldest first.
  Result<std::vector<ExecutionRecord>> ListRunOwned();
  // Ends an execution as FAILED with `error` and `cause`, outside the
  // interpreter: for one that cannot be recovered (quarantine).
  Status FailExecution(const std::string& execution_id, const std::string& error,
                       const std::string& cause);
  // Ends an execution that nobody can continue (the express execution of an
  // `hpcflow run` that died: it kept no input to start again from) as
  // ABORTED with `error` and `cause`. Its open tasks become cancelling
  // (pending ones cancelled), so that whoever adopts their jobs stops them.
  Status AbortExecution(const std::string& execution_id, const std::string& error,
                        const std::string& cause);
  // The newest execution named `name` of the same state machine as `like`
  // (its registered name, else its workflow file); nullopt when none.
  Result<std::optional<ExecutionRecord>> FindNamed(const ExecutionRecord& like);
  // Registers a state machine, or replaces its definition (keeping its
  // creation time).
  Status PutStateMachine(const StateMachineRecord& machine);
  Result<std::optional<StateMachineRecord>> GetStateMachine(const std::string& name);
  Result<std::vector<StateMachineRecord>> ListStateMachines();
  // The last input, history event and task of an execution, and whether
  // jobs of it are still being stopped: what RedriveExecution needs.
  Result<RedriveBasis> GetRedriveBasis(const ExecutionRecord& execution);
  // One task, whatever its status; nullopt when unknown.
  Result<std::optional<TaskRecord>> GetTask(const std::string& execution_id, int64_t task_id);

  Status AddRequest(const std::string& execution_id, const std::string& kind,
                    const std::string& payload);
  // Returns and deletes the pending requests for executions run by `owner`.
  Result<std::vector<Request>> TakeRequests(const std::string& owner);

 private:
  explicit ExecutionStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Status Init();
  Status CommitLocked(const Decision& decision);

  // Prepared once: every decision uses them (a prepare per commit was a
  // quarter of the server's time with thousands of jobs).
  Status PrepareCommitStatements();

  std::unique_ptr<Database> db_;
  std::optional<Statement> insert_event_;
  std::optional<Statement> insert_input_;
  std::optional<Statement> insert_task_;
  std::optional<Statement> cancel_task_;
  std::optional<Statement> insert_timer_;
  std::optional<Statement> delete_timer_;
  std::optional<Statement> complete_task_;
  std::optional<Statement> update_execution_;
  std::optional<Statement> set_output_;
  std::optional<Statement> delete_timers_;
};

ExecutionRecord ReadExecutionRow(const Statement& row);

// How a TaskRequest is kept in the outbox (tasks.request), and back.
Json TaskRequestToJson(const workflows::TaskRequest& request);
workflows::TaskRequest TaskRequestFromJson(const Json& json);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_EXECUTION_STORE_H_
