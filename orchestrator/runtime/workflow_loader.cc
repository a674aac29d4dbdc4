#include "orchestrator/runtime/workflow_loader.h"

#include <filesystem>

#include "common/json.h"
#include "orchestrator/runtime/state_machine_ref.h"
#include "orchestrator/runtime/task_resource.h"
#include "workflows/diagnostics.h"
#include "workflows/source_document.h"

namespace hpcflow::orchestrator {

namespace {

// The function tasks of one state machine (and of the machines nested in
// its Parallel and Map states) that the host does not serve.
void CheckFunctionTasks(const Json& machine, const std::string& pointer,
                        const workflows::SourceDocument& document, const WorkflowChecks& checks,
                        std::vector<std::string>& problems) {
  auto states = machine.find("States");
  if (states == machine.end() || !states->is_object()) return;
  for (const auto& [name, state] : states->items()) {
    if (!state.is_object()) continue;
    std::string at = workflows::PointerAppend(pointer + "/States", name);
    auto resource = state.find("Resource");
    if (resource != state.end() && resource->is_string()) {
      auto parsed = ParseTaskResource(resource->get<std::string>());
      if (parsed && parsed->IsFunction() && !checks.function_known(parsed->action)) {
        std::string where = at + "/Resource";
        problems.push_back(document.Where(where) + where + ": no function '" + parsed->action +
                           "' is registered with this engine (registered: " +
                           (checks.known_functions.empty() ? "none" : checks.known_functions) +
                           ")");
      }
    }
    if (auto branches = state.find("Branches"); branches != state.end() && branches->is_array()) {
      for (size_t i = 0; i < branches->size(); ++i) {
        CheckFunctionTasks((*branches)[i], at + "/Branches/" + std::to_string(i), document, checks,
                           problems);
      }
    }
    for (const char* key : {"ItemProcessor", "Iterator"}) {
      if (auto inner = state.find(key); inner != state.end() && inner->is_object()) {
        CheckFunctionTasks(*inner, at + "/" + key, document, checks, problems);
      }
    }
  }
}

}  // namespace

Result<LoadedWorkflow> LoadWorkflowText(std::string_view text, const std::string& name,
                                        std::vector<std::string>& problems,
                                        const WorkflowChecks& checks) {
  auto document = workflows::SourceDocument::Parse(text, name);
  if (!document) {
    problems.push_back(document.error().cause);
    return Fail("invalid", document.error().cause);
  }
  workflows::Diagnostics diags;
  auto definition = workflows::ParseDefinition(document->root(), diags);
  if (!definition) {
    for (const auto& d : diags.items()) {
      std::string where = d.pointer.empty() ? "/" : d.pointer;
      problems.push_back(document->Where(d.pointer) + where + ": " + d.message);
    }
    if (problems.empty()) problems.push_back(name + ": invalid workflow");
    return Fail("invalid", std::to_string(problems.size()) + " problem(s) in " + name);
  }
  if (checks.function_known) {
    CheckFunctionTasks(document->root(), "", *document, checks, problems);
    if (!problems.empty()) {
      return Fail("invalid", std::to_string(problems.size()) + " problem(s) in " + name);
    }
  }
  LoadedWorkflow loaded;
  loaded.definition = std::move(definition);
  loaded.name = std::filesystem::path(name).stem().string();
  return loaded;
}

Result<DefinitionSource> ReadDefinition(const std::string& path, std::string text) {
  DefinitionSource source{std::move(text), "inline"};
  if (!path.empty()) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(path, ec);
    source.workflow = ec ? path : absolute.lexically_normal().string();
  }
  if (source.text.empty()) {
    if (path.empty()) return Fail("usage", "no workflow: give a definition file or its text");
    auto read = ReadFile(path);
    if (!read) return Fail("usage", read.error().cause);
    source.text = std::move(*read);
  }
  return source;
}

Result<ValidWorkflow> ReadValidWorkflow(const std::string& path,
                                        std::vector<std::string>& problems) {
  auto source = ReadDefinition(path);
  if (!source) {
    problems.push_back(path + ": " + source.error().cause);
    return Fail(source.error());
  }
  auto loaded = LoadWorkflowText(source->text, path, problems);
  if (!loaded) return Fail(loaded.error());
  return ValidWorkflow{std::move(*source), std::move(*loaded)};
}

Result<RunnableWorkflow> ReadRunnableWorkflow(const std::string& state_dir,
                                              const std::string& workflow,
                                              std::vector<std::string>& problems) {
  std::error_code ec;
  if (!std::filesystem::exists(workflow, ec)) {
    auto store = ExecutionStore::Open(state_dir);
    if (!store) {
      problems.push_back(store.error().cause);
      return Fail(store.error());
    }
    auto machine = FindRegisteredStateMachine(**store, workflow);
    if (!machine) {
      problems.push_back(workflow + ": " + machine.error().cause);
      return Fail(machine.error());
    }
    if (*machine) {
      StateMachineRecord& m = **machine;
      auto loaded = LoadWorkflowText(m.definition, m.workflow, problems);
      if (!loaded) return Fail(loaded.error());
      RunnableWorkflow out;
      out.valid = {DefinitionSource{std::move(m.definition), m.workflow}, std::move(*loaded)};
      out.state_machine = m.name;
      out.express = m.type == "EXPRESS";
      return out;
    }
  }
  auto valid = ReadValidWorkflow(workflow, problems);
  if (!valid) return Fail(valid.error());
  return RunnableWorkflow{std::move(*valid), "", false};
}

Result<LoadedWorkflow> LoadWorkflow(const std::string& path, std::vector<std::string>& problems) {
  auto valid = ReadValidWorkflow(path, problems);
  if (!valid) return Fail(valid.error());
  return std::move(valid->workflow);
}

Result<Json> ReadInputArgument(const std::string& argument, std::string* text_out) {
  std::string text = argument;
  std::string source = "--input";
  if (!argument.empty() && argument[0] == '@') {
    auto content = ReadFile(argument.substr(1));
    if (!content) return Fail("usage", content.error().cause);
    text = std::move(*content);
    source = argument.substr(1);
  }
  auto value = ParseJson(text);
  if (!value) return Fail("usage", source + ": invalid JSON: " + value.error().cause);
  if (text_out != nullptr) *text_out = std::move(text);
  return value;
}

}  // namespace hpcflow::orchestrator
