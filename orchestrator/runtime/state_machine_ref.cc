#include "orchestrator/runtime/state_machine_ref.h"

#include <cctype>
#include <filesystem>

namespace hpcflow::orchestrator {

namespace {

constexpr char kHpcflowPrefix[] = "hpcflow:stateMachine:";
constexpr char kArnPrefix[] = "arn:";

// "arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME[:QUALIFIER]" -> NAME,
// or "" when `text` is not such an ARN.
std::string NameFromArn(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 7 || parts.size() > 8 || parts[2] != "states" || parts[5] != "stateMachine") {
    return "";
  }
  return parts[6];
}

}  // namespace

StateMachineRef ParseStateMachineRef(const std::string& text) {
  StateMachineRef ref;
  if (text.rfind(kHpcflowPrefix, 0) == 0) {
    ref.name = text.substr(sizeof(kHpcflowPrefix) - 1);
    return ref;
  }
  if (text.rfind(kArnPrefix, 0) == 0) {
    ref.name = NameFromArn(text);
    if (!ref.name.empty()) return ref;
  }
  ref.path = text;
  if (IsValidStateMachineName(text)) ref.name = text;  // registered, or a file of that name
  return ref;
}

std::string StateMachineId(const std::string& name) { return kHpcflowPrefix + name; }

std::vector<std::string> StateMachineFileCandidates(const std::string& dir,
                                                    const std::string& name) {
  std::vector<std::string> out;
  for (const char* ext : {".yaml", ".yml", ".json", ".asl.json"}) {
    out.push_back((dir.empty() ? std::string() : dir + "/") + name + ext);
  }
  return out;
}

bool IsValidStateMachineName(const std::string& name) {
  if (name.empty() || name.size() > 80) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

Result<std::optional<StateMachineRecord>> FindRegisteredStateMachine(ExecutionStore& store,
                                                                     const std::string& workflow) {
  std::error_code ec;
  if (std::filesystem::exists(workflow, ec)) return std::optional<StateMachineRecord>();
  StateMachineRef ref = ParseStateMachineRef(workflow);
  if (ref.name.empty()) return std::optional<StateMachineRecord>();
  auto machine = store.GetStateMachine(ref.name);
  if (!machine) return Fail(machine.error());
  if (*machine) return machine;
  return Fail("usage", (ref.path.empty() ? std::string() : "no file '" + workflow + "', and ") +
                           "no state machine is registered as '" + ref.name +
                           "' (hpcflow register " + ref.name + " FILE)");
}

}  // namespace hpcflow::orchestrator
