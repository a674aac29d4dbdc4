// Flag parsing shared by the subcommands (Boost.Program_options), kept out
// of cli.h so that only the command files pay for the Boost headers.
#ifndef HPCFLOW_ORCHESTRATOR_CLI_CLI_FLAGS_H_
#define HPCFLOW_ORCHESTRATOR_CLI_CLI_FLAGS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "common/result.h"

namespace hpcflow::orchestrator {

// Parses `args`; on bad usage prints why (and the flags) and returns false.
bool ParseFlags(const std::vector<std::string>& args,
                const boost::program_options::options_description& flags,
                const boost::program_options::positional_options_description& positional,
                boost::program_options::variables_map& vm, const char* command);

// The default of --listen: $HPCFLOW_LISTEN, else 127.0.0.1.
std::string DefaultListen();
// "ADDRESS[:PORT]" (an IPv4 address or a name; "[v6]:PORT"); port 0 if none.
Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& text);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_CLI_CLI_FLAGS_H_
