#include "orchestrator/cli_flags.h"

#include <iostream>

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

bool ParseFlags(const std::vector<std::string>& args, const po::options_description& flags,
                const po::positional_options_description& positional, po::variables_map& vm,
                const char* command) {
  try {
    po::store(po::command_line_parser(args).options(flags).positional(positional).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::cerr << "hpcflow " << command << ": " << e.what() << "\n" << flags;
    return false;
  }
}

}  // namespace hpcflow::orchestrator
