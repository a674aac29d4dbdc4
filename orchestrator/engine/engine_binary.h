// Which `hpcflow` binary wraps an embedded engine's jobs: the program
// embedding the library is not hpcflow itself.
#ifndef HPCFLOW_ORCHESTRATOR_ENGINE_ENGINE_BINARY_H_
#define HPCFLOW_ORCHESTRATOR_ENGINE_ENGINE_BINARY_H_

#include <string>

namespace hpcflow::orchestrator {

// `configured` if set; else $HPCFLOW_BINARY; else the binary beside this
// library (PREFIX/bin/hpcflow for PREFIX/lib/libhpcflow.so, wherever the
// tree was installed or moved); else the configured install path; else
// "hpcflow", found on PATH when a job starts.
std::string FindHpcflowBinary(const std::string& configured);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_ENGINE_ENGINE_BINARY_H_
