#include "backends/fake/fake_script.h"

#include <charconv>

#include "common/json.h"

namespace hpcflow::backends {

namespace {

constexpr char kPrefix[] = "fake:";

bool ParseInt(const std::string& text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Status Apply(FakeScript& script, const std::string& key, const std::string& value) {
  auto bad = [&] { return Fail("usage", "fake job script: bad " + key + " '" + value + "'"); };
  int64_t number = 0;
  if (key == "duration_ms") {
    if (!ParseInt(value, number) || number < 0) return bad();
    script.duration_ms = number;
  } else if (key == "exit") {
    if (!ParseInt(value, number) || number < 0 || number > 255) return bad();
    script.exit_code = static_cast<int>(number);
  } else if (key == "signal") {
    if (!ParseInt(value, number) || number < 1 || number > 64) return bad();
    script.signal = static_cast<int>(number);
    script.end = JobEnd::Kind::kSignaled;
  } else if (key == "end") {
    JobEnd::Kind kind = JobEndKindFromName(value);
    if (kind == JobEnd::Kind::kLost && value != "lost") return bad();
    script.end = kind;
  } else if (key == "stdout") {
    script.stdout_text = value;
  } else if (key == "stderr") {
    script.stderr_text = value;
  } else if (key == "result") {
    if (!ParseJson(value)) return bad();
    script.result = value;
  } else {
    return Fail("usage", "fake job script: unknown item '" + key + "'");
  }
  return {};
}

}  // namespace

std::string FakeScriptText(const JobSpec& spec) {
  if (auto it = spec.environment.find("HPCFLOW_FAKE"); it != spec.environment.end()) {
    return it->second;
  }
  const std::string& command = spec.argv.empty() ? spec.shell_command : spec.argv[0];
  if (command.rfind(kPrefix, 0) == 0) return command.substr(sizeof(kPrefix) - 1);
  return "";
}

Result<FakeScript> ParseFakeScript(const std::string& text, int64_t default_duration_ms) {
  FakeScript script;
  script.duration_ms = default_duration_ms;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find(';', begin);
    std::string item = text.substr(begin, end == std::string::npos ? end : end - begin);
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (key == "result") {
      // JSON may hold ';': the result takes the rest of the script.
      item = text.substr(begin);
      end = std::string::npos;
    }
    if (item == "hang") {
      script.hang = true;
    } else if (!item.empty()) {
      if (eq == std::string::npos)
        return Fail("usage", "fake job script: unknown item '" + item + "'");
      if (auto s = Apply(script, key, item.substr(eq + 1)); !s) return Fail(s.error());
    }
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return script;
}

}  // namespace hpcflow::backends
