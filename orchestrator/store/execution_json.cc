#include "orchestrator/store/execution_json.h"

#include "common/time_format.h"

namespace hpcflow::orchestrator {

bool IsFinalStatus(const std::string& status) { return status != "PENDING" && status != "RUNNING"; }

Json StatusJson(const ExecutionRecord& r) {
  Json out = {{"executionId", r.id}, {"name", r.name},       {"workflow", r.workflow},
              {"status", r.status},  {"express", r.express}, {"backend", r.backend}};
  if (r.created_ms) out["creationDate"] = FormatTimeMs(r.created_ms);
  if (r.start_ms) out["startDate"] = FormatTimeMs(r.start_ms);
  if (r.stop_ms) out["stopDate"] = FormatTimeMs(r.stop_ms);
  if (r.output) {
    auto value = ParseJson(*r.output);
    out["output"] = value ? *value : Json(*r.output);
  }
  if (r.error) out["error"] = *r.error;
  if (r.cause) out["cause"] = *r.cause;
  if (!r.parent_id.empty()) out["parentExecutionId"] = r.parent_id;
  out["transitions"] = r.transitions;
  out["redriveCount"] = r.redrive_count;
  if (r.redrive_ms) out["redriveDate"] = FormatTimeMs(r.redrive_ms);
  if (IsFinalStatus(r.status)) {
    std::string refusal = RedriveRefusal(r, r.status);
    out["redriveStatus"] = refusal.empty() ? "REDRIVABLE" : "NOT_REDRIVABLE";
    if (!refusal.empty()) out["redriveStatusReason"] = refusal;
  }
  // What the backends ran for it: Slurm commands, counted (issue: respect
  // the controller).
  auto commands = ParseJson(r.commands);
  out["backendCommands"] = commands && commands->is_object() ? *commands : Json::object();
  return out;
}

bool IsUnsuccessfulEnd(const std::string& status) {
  return status == "FAILED" || status == "TIMED_OUT" || status == "ABORTED";
}

std::string RedriveRefusal(const ExecutionRecord& r, const std::string& status, bool by_parent) {
  if (!IsUnsuccessfulEnd(status)) return "Execution is " + status + " and cannot be redriven";
  if (r.express) return "Express executions keep no history and cannot be redriven";
  if (!r.parent_id.empty() && !by_parent) {
    return "Execution was started by " + r.parent_id +
           "; redrive that execution, which redrives this one";
  }
  const std::string error = r.error.value_or("");
  if (error == "hpcflow.InvalidDefinition" || error == "hpcflow.RecoveryFailed") {
    return "hpcflow could not run this execution's definition (" + error +
           "); a redrive would fail the same way";
  }
  return "";
}

Json HistoryJson(const std::vector<HistoryRow>& events) {
  Json out = Json::array();
  for (const auto& e : events) {
    Json row = {{"id", e.id}, {"type", e.type}, {"timestamp", FormatTimeMs(e.time_ms)}};
    if (!e.state.empty()) row["stateName"] = e.state;
    if (!e.details.empty()) {
      auto details = ParseJson(e.details);
      if (details) row["details"] = std::move(*details);
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string TerminalSafe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  auto escape = [&out](unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      escape(c);
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      escape(static_cast<unsigned char>(text[++i]));  // U+0080..U+009F
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace hpcflow::orchestrator
