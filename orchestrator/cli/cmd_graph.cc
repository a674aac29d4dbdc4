// `hpcflow graph`: the state graph as Graphviz dot or Mermaid.
#include <iostream>
#include <sstream>

#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/cli_flags.h"
#include "orchestrator/runtime/workflow_loader.h"

namespace hpcflow::orchestrator {

namespace po = boost::program_options;
using workflows::State;
using workflows::StateMachine;

namespace {

class GraphWriter {
 public:
  explicit GraphWriter(bool mermaid) : mermaid_(mermaid) {}

  std::string Write(const StateMachine& machine) {
    out_ << (mermaid_ ? "flowchart TD\n" : "digraph workflow {\n  node [shape=box];\n");
    std::string start = Node("start", "start", true);
    Edge(start, Machine(machine, "s"), "");
    if (!mermaid_) out_ << "}\n";
    return out_.str();
  }

 private:
  // Writes a machine's states and edges; returns the id of its start state.
  std::string Machine(const StateMachine& machine, const std::string& prefix) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < machine.states.size(); ++i) {
      ids.push_back(prefix + std::to_string(i));
    }
    for (size_t i = 0; i < machine.states.size(); ++i) {
      const State& s = machine.states[i];
      Node(ids[i], s.name + " (" + workflows::StateTypeName(s.type) + ")", false);
      if (s.next >= 0) Edge(ids[i], ids[s.next], "");
      for (const auto& c : s.choices) {
        if (c.next >= 0) Edge(ids[i], ids[c.next], "choice");
      }
      if (s.default_next >= 0) Edge(ids[i], ids[s.default_next], "default");
      for (const auto& c : s.catchers) {
        if (c.next >= 0) Edge(ids[i], ids[c.next], "catch");
      }
      for (size_t b = 0; b < s.branches.size(); ++b) {
        std::string sub = Machine(*s.branches[b], ids[i] + "b" + std::to_string(b) + "_");
        Edge(ids[i], sub, "branch " + std::to_string(b));
      }
      if (s.processor) Edge(ids[i], Machine(*s.processor, ids[i] + "m_"), "each item");
    }
    return ids[machine.start];
  }

  static std::string Escape(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else {
        out += c;
      }
    }
    return out;
  }

  std::string Node(const std::string& id, const std::string& label, bool round) {
    if (mermaid_) {
      out_ << "  " << id << (round ? "((\"" : "[\"") << Escape(label) << (round ? "\"))" : "\"]")
           << "\n";
    } else {
      out_ << "  " << id << " [label=\"" << Escape(label) << "\"" << (round ? ", shape=circle" : "")
           << "];\n";
    }
    return id;
  }

  void Edge(const std::string& from, const std::string& to, const std::string& label) {
    if (mermaid_) {
      out_ << "  " << from << " -->" << (label.empty() ? "" : "|" + label + "|") << " " << to
           << "\n";
    } else {
      out_ << "  " << from << " -> " << to
           << (label.empty() ? "" : " [label=\"" + Escape(label) + "\"]") << ";\n";
    }
  }

  bool mermaid_;
  std::ostringstream out_;
};

}  // namespace

int CmdGraph(const std::vector<std::string>& args) {
  po::options_description flags("hpcflow graph WORKFLOW");
  flags.add_options()("workflow", po::value<std::string>()->required(), "workflow file")(
      "format", po::value<std::string>()->default_value("dot"), "dot or mermaid")(
      "state-dir", po::value<std::string>(), "state directory");
  po::positional_options_description positional;
  positional.add("workflow", 1);
  po::variables_map vm;
  if (!ParseFlags(args, flags, positional, vm, "graph")) return kExitUsage;
  std::string format = vm["format"].as<std::string>();
  if (format != "dot" && format != "mermaid") {
    std::cerr << "hpcflow graph: --format must be dot or mermaid\n";
    return kExitUsage;
  }
  std::vector<std::string> problems;
  auto loaded = LoadWorkflow(vm["workflow"].as<std::string>(), problems);
  if (!loaded) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return kExitUsage;
  }
  std::cout << GraphWriter(format == "mermaid").Write(loaded->definition->machine);
  return kExitOk;
}

}  // namespace hpcflow::orchestrator
