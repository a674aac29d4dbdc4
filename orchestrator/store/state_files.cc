#include "orchestrator/store/state_files.h"

#include "common/json.h"
#include "orchestrator/store/secret_file.h"

namespace hpcflow::orchestrator {

std::string ServerUrlFile(const std::string& state_dir) { return state_dir + "/server.url"; }
std::string TokenKeyFile(const std::string& state_dir) { return state_dir + "/" + kTokenKeyFile; }
std::string ControlKeyFile(const std::string& state_dir) {
  return state_dir + "/" + kControlKeyFile;
}

std::string ReadServerUrl(const std::string& state_dir) {
  auto content = ReadFile(ServerUrlFile(state_dir));
  if (!content) return "";
  const char* space = " \t\r\n";
  size_t begin = content->find_first_not_of(space);
  size_t end = content->find_last_not_of(space);
  std::string url = begin == std::string::npos ? "" : content->substr(begin, end - begin + 1);
  bool usable = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  return usable ? url : "";
}

}  // namespace hpcflow::orchestrator
