// A workflow definition as loaded from a file: one JSON value, plus where
// each of its parts was written, so problems found later can be reported as
// `FILE:LINE:COL: PATH: message`.
//
// Definitions may be written in JSON or in YAML. YAML is mapped onto JSON
// with the YAML 1.2 core schema: `yes`/`no`/`on`/`off` stay strings, only
// `true`/`false` (any case form the schema lists) are booleans, and quoted
// scalars are always strings. Anchors and aliases are expanded.
//
// Loading never throws and never recurses on the input's nesting, so a
// hostile or broken file (deep nesting, alias bombs, invalid UTF-8) gives an
// Error rather than a crash.
#ifndef HPCFLOW_WORKFLOWS_SOURCE_DOCUMENT_H_
#define HPCFLOW_WORKFLOWS_SOURCE_DOCUMENT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace hpcflow::workflows {

// Containers nested deeper than this are rejected when loading, so code that
// walks a definition recursively may rely on it.
inline constexpr int kMaxNestingDepth = 256;

// YAML aliases may copy at most this many nodes in total (and at most
// kMaxAliasExpansionBytes of string data); more is treated as an alias bomb.
inline constexpr std::size_t kMaxAliasExpansionNodes = 1'000'000;
inline constexpr std::size_t kMaxAliasExpansionBytes = 64u << 20;

// A place in the source text. 1-based; 0 means unknown. Columns count bytes,
// as compilers and the JSON parser do.
struct SourceLocation {
  int line = 0;
  int column = 0;

  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

namespace internal {
class LocationIndex;
struct LazyIndex;
}  // namespace internal

class SourceDocument {
 public:
  // Parses `text`. The format comes from `name`'s extension (`.json` ->
  // JSON; `.yaml`/`.yml` -> YAML) or, for other names, from the content (a
  // first non-space character `{` means JSON, anything else YAML). A `.yaml`
  // file that is plain JSON is read with the (much faster) JSON parser.
  //
  // `name` is only used in messages and locations; nothing is read from disk.
  //
  // Errors: Error{"parse", "NAME:LINE:COL: message"} (or "NAME: message" when
  // there is no position) for malformed JSON or YAML, invalid UTF-8,
  // duplicate object keys (both places are named), nesting deeper than
  // kMaxNestingDepth, numbers JSON cannot hold (1e400, .inf, .nan), YAML
  // mapping keys that are not scalars, unsupported YAML tags, several YAML
  // documents in one file, an empty YAML file, and alias bombs.
  static Result<SourceDocument> Parse(std::string_view text, std::string name);

  SourceDocument(SourceDocument&&) noexcept;
  SourceDocument& operator=(SourceDocument&&) noexcept;
  ~SourceDocument();

  const Json& root() const { return *root_; }
  // Lets the caller move the value out (root() is null once it has been
  // moved from). Locate() and Where() keep working.
  Json&& TakeRoot() { return std::move(*root_); }
  const std::string& name() const { return name_; }

  // Where the value at the RFC 6901 `pointer` was written: for an object
  // member, its key; for an array element or the root, the value. A pointer
  // that names nothing (or a value copied in by a YAML alias) gives the
  // location of its nearest ancestor that has one; a malformed pointer gives
  // the root's location.
  //
  // For JSON the location index is built on the first call (one linear scan
  // of the text), so loading large files stays fast when nothing is wrong.
  // Safe to call from several threads at once.
  SourceLocation Locate(std::string_view pointer) const;

  // "NAME:LINE:COL: " for the pointer, or "NAME: " when unknown.
  std::string Where(std::string_view pointer) const;

 private:
  SourceDocument();

  std::string name_;
  std::unique_ptr<Json> root_;  // a pointer so the header needs only json_fwd
  // Built on demand (JSON) or while parsing (YAML).
  std::unique_ptr<internal::LazyIndex> index_;
};

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_SOURCE_DOCUMENT_H_
