// Internal to SourceDocument: a compact map from JSON Pointer to source
// location, and the loaders that fill it. Not for use outside
// source_document*.cc, json_locations.cc, yaml_to_json.cc and their tests.
#ifndef HPCFLOW_WORKFLOWS_SOURCE_INDEX_H_
#define HPCFLOW_WORKFLOWS_SOURCE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "workflows/source_document.h"

namespace hpcflow::workflows::internal {

// A tree with one node per indexed value (a trie over pointer tokens), so
// each key is stored once rather than once per descendant's pointer.
// Object members are kept sorted by key for binary search.
class LocationIndex {
 public:
  using NodeId = std::uint32_t;
  static constexpr NodeId kNoNode = UINT32_MAX;

  bool empty() const { return nodes_.empty(); }

  // The node the pointer names, or its nearest indexed ancestor; kNoNode
  // only when the index is empty.
  NodeId Find(std::string_view pointer) const;
  SourceLocation location(NodeId id) const {
    return id == kNoNode ? SourceLocation{} : nodes_[id].location;
  }
  // Locations of every member of object `id` named `key`, in source order
  // (more than one only for a duplicated key).
  std::vector<SourceLocation> MemberLocations(NodeId id, std::string_view key) const;

 private:
  friend class LocationIndexBuilder;

  struct Node {
    SourceLocation location;
    std::uint32_t first_child = 0;
    std::uint32_t child_count = 0;
    bool is_object = false;
  };
  struct Child {
    std::uint64_t key_offset = 0;  // into keys_; unused for array elements
    std::uint32_t key_length = 0;
    NodeId node = 0;
  };

  std::string_view key(const Child& child) const {
    return std::string_view(keys_).substr(child.key_offset, child.key_length);
  }
  // First child of object `id` whose key is not less than `key`.
  const Child* LowerBound(NodeId id, std::string_view key) const;

  std::vector<Node> nodes_;
  std::vector<Child> children_;  // each node's children are contiguous
  std::string keys_;             // all keys, back to back
};

class LocationIndexBuilder {
 public:
  // With `check_duplicates`, Key() reports a key already used in the same
  // object.
  explicit LocationIndexBuilder(bool check_duplicates) : check_duplicates_(check_duplicates) {}

  // The next value is the member `key` of the innermost open object; its
  // location is the key's. Returns the location of an earlier member with
  // the same key when duplicates are checked.
  std::optional<SourceLocation> Key(std::string_view key, SourceLocation where);
  void Scalar(SourceLocation where) { Add(where, /*container=*/false, false); }
  void BeginObject(SourceLocation where) { Add(where, true, true); }
  void BeginArray(SourceLocation where) { Add(where, true, false); }
  void End();
  // Closes anything still open (after a parse stopped early) and hands the
  // index over.
  LocationIndex Finish();

 private:
  struct Frame {
    LocationIndex::NodeId node;
    bool is_object;
    std::size_t children_begin;  // this frame's children in pending_
    // Set while a Key() waits for its value.
    bool has_key = false;
    LocationIndex::Child pending_key;
    SourceLocation pending_key_location;
    // Built once an object has many members; small ones are searched
    // linearly.
    std::unique_ptr<std::unordered_map<std::string, SourceLocation>> seen;
  };

  void Add(SourceLocation where, bool container, bool is_object);

  bool check_duplicates_;
  LocationIndex index_;
  std::vector<Frame> stack_;
  // The children of every open container, innermost last; moved to the
  // index when their container ends, so no container needs a vector of its
  // own.
  std::vector<LocationIndex::Child> pending_;
};

// Appends a reference token to a JSON Pointer, escaping '~' and '/'.
void AppendPointerToken(std::string& pointer, std::string_view token);

// Everything a loader produces.
struct Loaded {
  Json root;
  // Filled by the YAML loader; the JSON loader leaves it empty and the index
  // is built later, on demand, by BuildJsonLocationIndex.
  std::optional<LocationIndex> index;
};

// Text checks shared by both loaders. `text` has no byte-order mark.
// Invalid UTF-8 or a NUL byte -> the location of the first bad byte and a
// message.
struct TextProblem {
  SourceLocation where;
  std::string message;
};
std::optional<TextProblem> CheckUtf8(std::string_view text);
// Brackets nested deeper than kMaxNestingDepth, outside strings.
std::optional<TextProblem> CheckJsonDepth(std::string_view text);
// Best-effort: flow collections ([ and {) nested deeper than
// kMaxNestingDepth. yaml-cpp buffers a whole flow collection before
// parsing it, so this keeps `[[[[...` from costing gigabytes before the
// parser's own depth guard fires; it is not what keeps the stack safe.
std::optional<TextProblem> CheckYamlFlowDepth(std::string_view text);
// Length of the well-formed UTF-8 sequence at text[i] (Unicode table 3-7),
// or 0 when it is ill-formed.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i);
// The line and column of byte `offset`.
SourceLocation LocationOfOffset(std::string_view text, std::size_t offset);

// Loaders. Errors are Error{"parse", "NAME:LINE:COL: message"}.
Result<Loaded> LoadJson(std::string_view text, const std::string& name);
Result<Loaded> LoadYaml(std::string_view text, const std::string& name);
// One linear scan of JSON text (valid up to wherever it stops).
LocationIndex BuildJsonLocationIndex(std::string_view text);

// "NAME:LINE:COL: message", or "NAME: message" when `where` is unknown.
std::string FormatAt(const std::string& name, SourceLocation where, std::string_view message);

}  // namespace hpcflow::workflows::internal

#endif  // HPCFLOW_WORKFLOWS_SOURCE_INDEX_H_
