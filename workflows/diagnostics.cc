#include "workflows/diagnostics.h"

namespace hpcflow::workflows {

std::string PointerAppend(const std::string& pointer, const std::string& key) {
  std::string out = pointer;
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PointerAppend(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

}  // namespace hpcflow::workflows
