// The parsed, validated form of an ASL workflow.
//
// ParseDefinition turns a JSON value (from JSON or YAML text, see
// source_document.h) into an immutable Definition, or reports every problem
// it finds, each located by JSON Pointer. Nothing in a Definition needs to be
// parsed again at run time: paths, templates, Choice rules and intrinsic
// calls are compiled here, and transitions are state indexes.
#ifndef HPCFLOW_WORKFLOWS_DEFINITION_H_
#define HPCFLOW_WORKFLOWS_DEFINITION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "workflows/diagnostics.h"
#include "workflows/json_path.h"
#include "workflows/payload_template.h"

namespace hpcflow::workflows {

class ChoiceRule;
class Intrinsic;
struct StateMachine;

enum class StateType { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };

const char* StateTypeName(StateType type);

// InputPath / OutputPath: absent means "$", null means "{}" (discard).
struct IoPath {
  bool is_null = false;
  std::optional<JsonPath> path;  // empty when absent ("$")
};

// ResultPath: absent means "$" (replace), null means "keep the input".
struct ResultPathSpec {
  bool discard = false;          // ResultPath: null
  std::optional<JsonPath> path;  // empty when absent
};

struct Retrier {
  std::vector<std::string> errors;
  double interval_seconds = 1;
  int64_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<double> max_delay_seconds;
  bool full_jitter = false;
};

struct Catcher {
  std::vector<std::string> errors;
  int next = -1;
  ResultPathSpec result_path;
  std::shared_ptr<const PayloadTemplate> assign;
};

// A number given literally or through a path (TimeoutSeconds(Path) etc.).
struct NumberOrPath {
  std::optional<double> value;
  std::optional<JsonPath> path;
  bool present() const { return value || path; }
};

// An error or cause of a Fail state: literal, path, or intrinsic call.
struct FailField {
  std::optional<std::string> literal;
  std::optional<JsonPath> path;
  std::shared_ptr<const Intrinsic> intrinsic;
  std::string path_text;  // as written, for messages
};

struct ChoiceBranch {
  std::shared_ptr<const ChoiceRule> rule;
  int next = -1;
  std::shared_ptr<const PayloadTemplate> assign;
};

struct State {
  std::string name;
  StateType type = StateType::kPass;
  int next = -1;  // index into the machine's states; -1 when End
  bool end = false;

  IoPath input_path, output_path;
  ResultPathSpec result_path;
  std::shared_ptr<const PayloadTemplate> parameters;  // also the Map's ItemSelector
  std::shared_ptr<const PayloadTemplate> result_selector;
  std::shared_ptr<const PayloadTemplate> assign;
  std::vector<Retrier> retry;
  std::vector<Catcher> catchers;

  // Pass
  std::optional<Json> result;

  // Task
  std::string resource;
  NumberOrPath timeout_seconds, heartbeat_seconds;
  Json credentials;

  // Choice
  std::vector<ChoiceBranch> choices;
  int default_next = -1;

  // Wait
  NumberOrPath wait_seconds;
  std::optional<std::string> wait_timestamp;
  std::optional<JsonPath> wait_timestamp_path;

  // Fail
  FailField error, cause;

  // Parallel
  std::vector<std::shared_ptr<const StateMachine>> branches;

  // Map
  std::shared_ptr<const StateMachine> processor;
  std::optional<JsonPath> items_path;
  NumberOrPath max_concurrency;
  NumberOrPath tolerated_failure_count, tolerated_failure_percentage;
  std::string label;
  bool express_items = false;  // ItemProcessor.ProcessorConfig.ExecutionType EXPRESS
  bool distributed = false;
};

struct StateMachine {
  int start = 0;
  std::vector<State> states;
  std::unordered_map<std::string, int> index_by_name;
};

struct Definition {
  StateMachine machine;
  std::optional<double> timeout_seconds;
  std::string comment;
  std::string version;
  // Set when QueryLanguage is JSONata anywhere: not interpreted yet.
  bool uses_jsonata = false;
  // True when some string of the definition mentions "$$" (the context
  // object): the interpreter then keeps the execution's input for it.
  bool uses_context = false;
};

// Parses and validates. Returns nullptr when `diags` holds problems.
std::shared_ptr<const Definition> ParseDefinition(const Json& document, Diagnostics& diags);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_DEFINITION_H_
