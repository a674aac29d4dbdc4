#include "workflows/source_document.h"

#include <mutex>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "workflows/source_index.h"

namespace hpcflow::workflows {
namespace internal {

// The location index, built on first use for JSON (from a private copy of
// the text) or handed over ready-made by the YAML loader.
struct LazyIndex {
  std::once_flag once;
  std::string json_text;
  LocationIndex index;

  const LocationIndex& Get() {
    std::call_once(once, [this] {
      if (json_text.empty()) return;
      index = BuildJsonLocationIndex(json_text);
      std::string().swap(json_text);
    });
    return index;
  }
};

}  // namespace internal

namespace {

enum class Format { kJson, kYaml, kUnknown };

Format FormatFromName(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    if (name.size() < suffix.size()) return false;
    std::string_view tail = name.substr(name.size() - suffix.size());
    for (std::size_t i = 0; i < suffix.size(); ++i) {
      char c = tail[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != suffix[i]) return false;
    }
    return true;
  };
  if (ends_with(".json")) return Format::kJson;
  if (ends_with(".yaml") || ends_with(".yml")) return Format::kYaml;
  return Format::kUnknown;
}

char FirstNonSpace(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
  }
  return '\0';
}

}  // namespace

SourceDocument::SourceDocument()
    : root_(std::make_unique<Json>()), index_(std::make_unique<internal::LazyIndex>()) {}
SourceDocument::SourceDocument(SourceDocument&&) noexcept = default;
SourceDocument& SourceDocument::operator=(SourceDocument&&) noexcept = default;
SourceDocument::~SourceDocument() = default;

Result<SourceDocument> SourceDocument::Parse(std::string_view text, std::string name) {
  // Locations then count from after the byte-order mark, as editors show them.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (auto problem = internal::CheckUtf8(text)) {
    return Fail("parse", internal::FormatAt(name, problem->where, problem->message));
  }
  Format format = FormatFromName(name);
  char first = FirstNonSpace(text);
  if (format == Format::kUnknown) format = first == '{' ? Format::kJson : Format::kYaml;

  std::optional<internal::Loaded> loaded;
  bool text_is_json = format == Format::kJson;
  if (format == Format::kYaml && (first == '{' || first == '[')) {
    // JSON is YAML; a YAML file that is plain JSON loads much faster (and
    // with far less memory) through the JSON reader. Anything that is not
    // valid JSON goes to the YAML parser, which reports its own errors.
    Result<internal::Loaded> as_json = internal::LoadJson(text, name);
    if (as_json) {
      loaded = std::move(*as_json);
      text_is_json = true;
    }
  }
  if (!loaded) {
    Result<internal::Loaded> result =
        text_is_json ? internal::LoadJson(text, name) : internal::LoadYaml(text, name);
    if (!result) return Fail(std::move(result.error()));
    loaded = std::move(*result);
  }

  SourceDocument document;
  document.name_ = std::move(name);
  *document.root_ = std::move(loaded->root);
  if (loaded->index) {
    document.index_->index = std::move(*loaded->index);
  } else {
    document.index_->json_text.assign(text);
  }
  return document;
}

SourceLocation SourceDocument::Locate(std::string_view pointer) const {
  if (!index_) return {};
  const internal::LocationIndex& index = index_->Get();
  return index.location(index.Find(pointer));
}

std::string SourceDocument::Where(std::string_view pointer) const {
  SourceLocation where = Locate(pointer);
  std::string out = name_;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
  }
  out += ": ";
  return out;
}

}  // namespace hpcflow::workflows
