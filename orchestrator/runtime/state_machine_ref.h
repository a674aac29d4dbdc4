// How a workflow names the state machine a child execution runs
// (startExecution's StateMachine or StateMachineArn), and how that name is
// found (docs/workflows.md, "Naming state machines"):
//
//   NAME                                        a registered name, else a file
//   hpcflow:stateMachine:NAME                   what $$.StateMachine.Id holds
//   arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|ALIAS]
//                                               an unchanged AWS definition
//   path/to/file.yaml                           a file, relative to the parent's
//
// A NAME is looked up in the registry (hpcflow register NAME FILE); failing
// that it is the parent's own state machine when the names agree (a
// workflow starting copies of itself through $$.StateMachine.Id), then a
// file NAME.yaml, .yml, .json or .asl.json beside the parent.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_STATE_MACHINE_REF_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_STATE_MACHINE_REF_H_

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "orchestrator/store/execution_store.h"

namespace hpcflow::orchestrator {

struct StateMachineRef {
  // The state machine's name, when the reference is one of the id forms or
  // a bare name (no slash, no file extension).
  std::string name;
  // The file it may be, relative or absolute; "" for the id forms.
  std::string path;
};

StateMachineRef ParseStateMachineRef(const std::string& text);

// "hpcflow:stateMachine:NAME": $$.StateMachine.Id, and what ParseStateMachineRef
// reads back as NAME.
std::string StateMachineId(const std::string& name);

// The files a NAME may be beside `dir`, in the order they are tried.
std::vector<std::string> StateMachineFileCandidates(const std::string& dir,
                                                    const std::string& name);

// Whether `name` may be registered: 1 to 80 letters, digits, '-' and '_'
// (AWS's rule for state machine names).
bool IsValidStateMachineName(const std::string& name);

// What `hpcflow submit|run WORKFLOW` runs when WORKFLOW is not a file: the
// state machine registered under the name it gives (NAME, its
// hpcflow:stateMachine: id or an AWS ARN). nullopt: WORKFLOW is a file that
// exists, or a path that is not a name (read as a file, with the file's
// error). Errors: a name that is neither a file nor registered (saying how
// to register it), the store.
Result<std::optional<StateMachineRecord>> FindRegisteredStateMachine(ExecutionStore& store,
                                                                     const std::string& workflow);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_STATE_MACHINE_REF_H_
