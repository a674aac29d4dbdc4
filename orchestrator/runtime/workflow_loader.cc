#include "orchestrator/runtime/workflow_loader.h"

#include <filesystem>

#include "common/json.h"
#include "workflows/source_document.h"

namespace hpcflow::orchestrator {

Result<LoadedWorkflow> LoadWorkflowText(std::string_view text, const std::string& name,
                                        std::vector<std::string>& problems) {
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
  LoadedWorkflow loaded;
  loaded.definition = std::move(definition);
  loaded.name = std::filesystem::path(name).stem().string();
  return loaded;
}

Result<LoadedWorkflow> LoadWorkflow(const std::string& path, std::vector<std::string>& problems) {
  auto text = ReadFile(path);
  if (!text) {
    problems.push_back(path + ": " + text.error().cause);
    return Fail(text.error());
  }
  return LoadWorkflowText(*text, path, problems);
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
