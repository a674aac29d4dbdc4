#include "orchestrator/runtime_util.h"

#include <openssl/evp.h>

#include <cctype>

namespace hpcflow::orchestrator {

std::string SafeName(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  }
  return out.substr(0, 80);
}

std::string UniqueSafeName(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < 12 && i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return SafeName(text).substr(0, 40) + "-" + hex;
}

std::string ChildExecutionId(const std::string& parent_id, uint64_t task_id) {
  return parent_id + ":" + std::to_string(task_id);
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
