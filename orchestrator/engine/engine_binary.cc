#include "orchestrator/engine/engine_binary.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace hpcflow::orchestrator {

namespace {

bool IsExecutable(const std::filesystem::path& path) { return access(path.c_str(), X_OK) == 0; }

// The directory libhpcflow itself was loaded from: an installed tree keeps
// the binary at ../bin from it wherever it was moved to, and the build tree
// at ../ (orchestrator/engine/libhpcflow.so beside orchestrator/hpcflow).
std::filesystem::path LibraryDirectory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&FindHpcflowBinary), &info) == 0 || !info.dli_fname) {
    return {};
  }
  std::error_code ec;
  auto path = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path() : path.parent_path();
}

}  // namespace

std::string FindHpcflowBinary(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("HPCFLOW_BINARY"); env && *env) return env;
  if (auto dir = LibraryDirectory(); !dir.empty()) {
    for (const auto& candidate :
         {dir.parent_path() / "bin" / "hpcflow", dir.parent_path() / "hpcflow"}) {
      if (IsExecutable(candidate)) return candidate.string();
    }
  }
#ifdef HPCFLOW_INSTALLED_BINARY
  if (IsExecutable(HPCFLOW_INSTALLED_BINARY)) return HPCFLOW_INSTALLED_BINARY;
#endif
  // Backends start the wrapper by path, not through PATH: look it up here.
  if (const char* path = std::getenv("PATH"); path && *path) {
    std::string dirs = path;
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::filesystem::path candidate =
          std::filesystem::path(dirs.substr(start, end - start)) / "hpcflow";
      if (end > start && IsExecutable(candidate)) return candidate.string();
      start = end + 1;
    }
  }
  return "hpcflow";
}

}  // namespace hpcflow::orchestrator
