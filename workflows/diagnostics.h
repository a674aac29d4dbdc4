// Problems found in a workflow definition before it runs.
#ifndef HPCFLOW_WORKFLOWS_DIAGNOSTICS_H_
#define HPCFLOW_WORKFLOWS_DIAGNOSTICS_H_

#include <string>
#include <vector>

namespace hpcflow::workflows {

// One problem, located by the JSON Pointer (RFC 6901) of the offending field,
// e.g. "/States/Loop/Choices/0/Variable". The loader maps pointers to
// file:line:column for display.
struct Diagnostic {
  std::string pointer;
  std::string message;
};

class Diagnostics {
 public:
  void Add(std::string pointer, std::string message) {
    items_.push_back({std::move(pointer), std::move(message)});
  }
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

// Appends a key to a JSON Pointer, escaping '~' and '/'.
std::string PointerAppend(const std::string& pointer, const std::string& key);
std::string PointerAppend(const std::string& pointer, size_t index);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_DIAGNOSTICS_H_
