#include "orchestrator/runtime/runtime_util.h"

#include <cctype>
#include <filesystem>

#include "common/digest.h"

namespace hpcflow::orchestrator {

std::string SafeName(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  }
  return out.substr(0, 80);
}

std::string UniqueSafeName(const std::string& text) {
  // 12 bytes of SHA-256: distinct names for distinct ids, whatever their
  // length or the characters SafeName replaces.
  std::string hex = DigestHex("SHA-256", text).value_or(std::string()).substr(0, 24);
  return SafeName(text).substr(0, 40) + "-" + hex;
}

std::string ChildExecutionId(const std::string& parent_id, uint64_t task_id) {
  return parent_id + ":" + std::to_string(task_id);
}

std::string StateMachineNameOf(const ExecutionRecord& record) {
  if (!record.state_machine.empty()) return record.state_machine;
  return std::filesystem::path(record.workflow).stem().string();
}

Json ErrorPayload(const workflows::AslError& error) {
  Json out = {{"error", error.name}};
  if (error.cause) out["cause"] = *error.cause;
  return out;
}

workflows::AslError ErrorFromPayload(const Json& payload) {
  workflows::AslError error;
  if (!payload.is_object()) return error;
  error.name = payload.value("error", "");
  if (payload.contains("cause") && payload["cause"].is_string()) {
    error.cause = payload["cause"].get<std::string>();
  }
  return error;
}

std::string BackendFor(const TaskResource& resource, const std::string& execution_backend) {
  if (resource.service == "job") return execution_backend.empty() ? "local" : execution_backend;
  return resource.service;
}

}  // namespace hpcflow::orchestrator
