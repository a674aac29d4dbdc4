// Shared parsing helpers for the per-state-type parsers in this folder.
//
// Each state type has one file here with its field parser (ParseXxxFields)
// and its run-time step (Interpreter::RunXxx). definition.cc parses the
// fields all states share and calls the right ParseXxxFields.
#ifndef HPCFLOW_WORKFLOWS_STATES_STATE_PARSER_H_
#define HPCFLOW_WORKFLOWS_STATES_STATE_PARSER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "workflows/definition.h"
#include "workflows/diagnostics.h"

namespace hpcflow::workflows {

// Where a state's fields are being read, with helpers that report problems
// at the right JSON Pointer.
struct PendingTransition;

class StateParser {
 public:
  StateParser(const Json& fields, std::string pointer, Diagnostics& diags, int depth)
      : fields_(fields), pointer_(std::move(pointer)), diags_(diags), depth_(depth) {}

  const Json& fields() const { return fields_; }
  const std::string& pointer() const { return pointer_; }
  std::string PointerOf(const std::string& key) const { return PointerAppend(pointer_, key); }
  Diagnostics& diags() { return diags_; }
  int depth() const { return depth_; }

  const Json* Get(const std::string& key) const;
  void Error(const std::string& key, const std::string& message) {
    diags_.Add(PointerOf(key), message);
  }

  std::optional<std::string> String(const std::string& key);
  std::optional<double> Number(const std::string& key);
  std::optional<int64_t> Integer(const std::string& key, int64_t min, int64_t max);
  std::optional<JsonPath> Path(const std::string& key, bool reference_only);
  std::shared_ptr<const PayloadTemplate> Template(const std::string& key);
  // A pair like TimeoutSeconds / TimeoutSecondsPath; at most one may be set.
  NumberOrPath NumberOrPathPair(const std::string& key, int64_t min, int64_t max,
                                bool integer_only);
  void ParseRetry(State& state);
  // Catch needs state names resolved later: it records them in `pending`.
  void ParseCatch(State& state, std::vector<PendingTransition>& pending);
  ResultPathSpec ResultPath(const std::string& key);

 private:
  const Json& fields_;
  std::string pointer_;
  Diagnostics& diags_;
  int depth_;
};

// Parses a nested state machine (Parallel branch, Map ItemProcessor) found at
// `pointer`. Returns nullptr after reporting problems.
std::shared_ptr<const StateMachine> ParseStateMachine(const Json& value, const std::string& pointer,
                                                      Diagnostics& diags, int depth);

// A transition by name, resolved to a state index once all names of the
// machine are known. `target` points into a State that outlives the parse.
struct PendingTransition {
  std::string pointer;
  std::string name;
  int* target;
};
using PendingNext = std::vector<PendingTransition>;
void ParsePassFields(StateParser& p, State& s);
void ParseTaskFields(StateParser& p, State& s);
void ParseChoiceFields(StateParser& p, State& s, PendingNext& pending);
void ParseWaitFields(StateParser& p, State& s);
void ParseFailFields(StateParser& p, State& s);
void ParseParallelFields(StateParser& p, State& s);
void ParseMapFields(StateParser& p, State& s);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_STATES_STATE_PARSER_H_
