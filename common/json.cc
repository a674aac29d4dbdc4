#include "common/json.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace hpcflow {

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message already says "at line L, column C".
    std::string message = e.what();
    if (auto pos = message.find("] "); pos != std::string::npos) {
      message = message.substr(pos + 2);
    }
    return Fail("parse", message);
  }
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string DumpJsonPretty(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("io", "cannot open '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Fail("io", "cannot read '" + path + "'");
  return buffer.str();
}

}  // namespace hpcflow
