#include "orchestrator/cli/cli_flags.h"

#include <cstdlib>

#include <iostream>

namespace hpcflow::orchestrator {

namespace po = boost::program_options;

bool ParseFlags(const std::vector<std::string>& args, const po::options_description& flags,
                const po::positional_options_description& positional, po::variables_map& vm,
                const char* command) {
  // `hpcflow COMMAND --help`: the flags, on stdout, and nothing run. At
  // parse time nothing is open yet, so leaving here is clean.
  for (const auto& arg : args) {
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h") {
      std::cout << flags;
      std::exit(0);
    }
  }
  try {
    po::store(po::command_line_parser(args).options(flags).positional(positional).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::cerr << "hpcflow " << command << ": " << e.what() << "\n" << flags;
    return false;
  }
}

std::string DefaultListen() {
  const char* env = std::getenv("HPCFLOW_LISTEN");
  return env && *env ? env : "127.0.0.1";
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& text) {
  std::string host = text;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return Fail("usage", "'" + text + "': missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return Fail("usage", "'" + text + "': expected ':' after ']'");
      port = text.substr(close + 2);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return Fail("usage", "'" + text + "': no address");
  uint16_t number = 0;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535) {
      return Fail("usage", "'" + text + "': the port must be a number from 0 to 65535");
    }
    number = static_cast<uint16_t>(std::stoi(port));
  }
  return std::make_pair(host, number);
}

}  // namespace hpcflow::orchestrator
