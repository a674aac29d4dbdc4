#include <iostream>
#include <string>
#include <vector>

#include "common/files.h"
#include "orchestrator/cli/cli.h"

int main(int argc, char** argv) {
  // Everything hpcflow creates is its user's alone (docs/security.md).
  hpcflow::UsePrivateUmask();
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return hpcflow::orchestrator::RunCli(args);
  } catch (const std::exception& e) {
    // Nothing should get here: adapters turn exceptions into Results. If
    // one does, say so plainly instead of aborting with a core dump.
    std::cerr << "hpcflow: internal error: " << e.what() << "\n";
    return 70;
  }
}
