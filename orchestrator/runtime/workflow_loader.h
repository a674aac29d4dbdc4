// Reads a workflow file (JSON or YAML) into a validated Definition, with
// problems reported as `FILE:LINE:COL: PATH: message` lines.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_WORKFLOW_LOADER_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_WORKFLOW_LOADER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "workflows/definition.h"

namespace hpcflow::orchestrator {

struct LoadedWorkflow {
  std::shared_ptr<const workflows::Definition> definition;
  std::string name;  // the file's stem, used as the state machine's name
};

// On failure, `problems` holds one located line per problem (and the
// Result's error summarises them).
Result<LoadedWorkflow> LoadWorkflow(const std::string& path, std::vector<std::string>& problems);

// What a host checks beyond the language itself.
struct WorkflowChecks {
  // When set: every hpcflow:::function:NAME resource must name a function
  // this returns true for (an embedding Engine's registered ones).
  std::function<bool(const std::string& name)> function_known;
  // For the message: the names that are registered ("a, b"), or "none".
  std::string known_functions;
};

// Same, from text already in memory; `name` is used in messages.
Result<LoadedWorkflow> LoadWorkflowText(std::string_view text, const std::string& name,
                                        std::vector<std::string>& problems,
                                        const WorkflowChecks& checks = {});

// A workflow definition as a caller names it, read.
struct DefinitionSource {
  std::string text;
  // The file made absolute (lexically normal), so that whoever runs it (a
  // server elsewhere) resolves child workflows and HPCFLOW_WORKFLOW_DIR
  // beside it; "inline" when there is no file.
  std::string workflow;
};

// `text` when it is not empty (`path`, if given, then only names it), else
// the file at `path`. Errors ("usage"): neither given, or the file cannot be
// read.
Result<DefinitionSource> ReadDefinition(const std::string& path, std::string text = "");

// A workflow file read and validated, for a command: its text (to store)
// and its definition (to run).
struct ValidWorkflow {
  DefinitionSource source;
  LoadedWorkflow workflow;
};

// ReadDefinition then LoadWorkflowText of the file at `path`. On failure,
// `problems` holds what to print: the read error, or one located line per
// problem.
Result<ValidWorkflow> ReadValidWorkflow(const std::string& path,
                                        std::vector<std::string>& problems);

// What `submit` and `run` start: the file `workflow`, or else the state
// machine registered under the name it gives (NAME, its id or an AWS ARN)
// in the registry of `state_dir`. `problems` as ReadValidWorkflow's. Errors:
// "usage" (unreadable, invalid, not registered), "store".
struct RunnableWorkflow {
  ValidWorkflow valid;
  std::string state_machine;  // the registered name, "" for a file
  bool express = false;       // registered as EXPRESS
};
Result<RunnableWorkflow> ReadRunnableWorkflow(const std::string& state_dir,
                                              const std::string& workflow,
                                              std::vector<std::string>& problems);

// Reads `--input`: inline JSON, or @FILE. `text`, when given, receives the
// JSON text it was parsed from (to store without serialising it again).
Result<Json> ReadInputArgument(const std::string& argument, std::string* text = nullptr);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_WORKFLOW_LOADER_H_
