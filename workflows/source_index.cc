#include "workflows/source_index.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace hpcflow::workflows::internal {
namespace {

// Objects with fewer members than this are checked for duplicates by a
// linear search; a hash set only pays off for larger ones.
constexpr std::size_t kLinearSearchLimit = 16;

// Decodes one RFC 6901 reference token ("~1" -> "/", "~0" -> "~").
// Returns false for a '~' followed by anything else.
bool UnescapeToken(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '~') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 1 >= raw.size()) return false;
    char next = raw[++i];
    if (next == '0') {
      out.push_back('~');
    } else if (next == '1') {
      out.push_back('/');
    } else {
      return false;
    }
  }
  return true;
}

// An array index token: "0" or digits without a leading zero.
bool ParseIndex(std::string_view token, std::size_t& index) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  return ec == std::errc() && end == token.data() + token.size();
}

}  // namespace

const LocationIndex::Child* LocationIndex::LowerBound(NodeId id, std::string_view key) const {
  const Node& node = nodes_[id];
  const Child* begin = children_.data() + node.first_child;
  const Child* end = begin + node.child_count;
  return std::lower_bound(begin, end, key, [this](const Child& child, std::string_view k) {
    return this->key(child) < k;
  });
}

LocationIndex::NodeId LocationIndex::Find(std::string_view pointer) const {
  if (nodes_.empty()) return kNoNode;
  NodeId current = 0;
  if (pointer.empty() || pointer[0] != '/') return current;
  std::string token;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = pointer.find('/', start);
    std::size_t end = slash == std::string_view::npos ? pointer.size() : slash;
    if (!UnescapeToken(pointer.substr(start, end - start), token)) return current;
    const Node& node = nodes_[current];
    NodeId next = kNoNode;
    if (node.is_object) {
      const Child* child = LowerBound(current, token);
      if (child != children_.data() + node.first_child + node.child_count && key(*child) == token) {
        next = child->node;
      }
    } else if (std::size_t index = 0; ParseIndex(token, index) && index < node.child_count) {
      next = children_[node.first_child + index].node;
    }
    if (next == kNoNode) return current;
    current = next;
    if (slash == std::string_view::npos) return current;
    start = slash + 1;
  }
}

std::vector<SourceLocation> LocationIndex::MemberLocations(NodeId id, std::string_view key) const {
  std::vector<SourceLocation> found;
  if (id == kNoNode || !nodes_[id].is_object) return found;
  const Node& node = nodes_[id];
  const Child* end = children_.data() + node.first_child + node.child_count;
  // Members are stably sorted, so equal keys are adjacent and in source order.
  for (const Child* child = LowerBound(id, key); child != end && this->key(*child) == key;
       ++child) {
    found.push_back(nodes_[child->node].location);
  }
  return found;
}

std::optional<SourceLocation> LocationIndexBuilder::Key(std::string_view key,
                                                        SourceLocation where) {
  if (stack_.empty() || !stack_.back().is_object) return std::nullopt;
  Frame& top = stack_.back();
  std::optional<SourceLocation> previous;
  if (check_duplicates_) {
    std::size_t members = pending_.size() - top.children_begin;
    if (!top.seen && members >= kLinearSearchLimit) {
      top.seen = std::make_unique<std::unordered_map<std::string, SourceLocation>>();
      for (std::size_t i = top.children_begin; i < pending_.size(); ++i) {
        top.seen->emplace(index_.key(pending_[i]), index_.nodes_[pending_[i].node].location);
      }
    }
    if (top.seen) {
      auto [it, inserted] = top.seen->emplace(key, where);
      if (!inserted) previous = it->second;
    } else {
      for (std::size_t i = top.children_begin; i < pending_.size(); ++i) {
        if (index_.key(pending_[i]) == key) {
          previous = index_.nodes_[pending_[i].node].location;
          break;
        }
      }
    }
  }
  top.has_key = true;
  top.pending_key.key_offset = index_.keys_.size();
  top.pending_key.key_length = static_cast<std::uint32_t>(key.size());
  top.pending_key_location = where;
  index_.keys_.append(key);
  return previous;
}

void LocationIndexBuilder::Add(SourceLocation where, bool container, bool is_object) {
  auto id = static_cast<LocationIndex::NodeId>(index_.nodes_.size());
  if (stack_.empty()) {
    if (!index_.nodes_.empty()) return;  // a second root: ignore it
  } else {
    if (stack_.back().is_object && !stack_.back().has_key) {
      Key("", where);  // not expected from the loaders
    }
    Frame& top = stack_.back();
    LocationIndex::Child child;
    if (top.is_object) {
      child = top.pending_key;
      where = top.pending_key_location;
      top.has_key = false;
    }
    child.node = id;
    pending_.push_back(child);
  }
  index_.nodes_.push_back({where, 0, 0, is_object});
  if (container) stack_.push_back(Frame{id, is_object, pending_.size(), false, {}, {}, nullptr});
}

void LocationIndexBuilder::End() {
  if (stack_.empty()) return;
  const Frame& frame = stack_.back();
  auto begin = pending_.begin() + static_cast<std::ptrdiff_t>(frame.children_begin);
  if (frame.is_object) {
    auto less = [this](const LocationIndex::Child& a, const LocationIndex::Child& b) {
      return index_.key(a) < index_.key(b);
    };
    if (pending_.end() - begin <= 16) {
      // Insertion sort: stable, and no allocation for the usual small object.
      for (auto it = begin + (begin != pending_.end()); it != pending_.end(); ++it) {
        LocationIndex::Child moving = *it;
        auto hole = it;
        for (; hole != begin && less(moving, *(hole - 1)); --hole) *hole = *(hole - 1);
        *hole = moving;
      }
    } else {
      std::stable_sort(begin, pending_.end(), less);
    }
  }
  LocationIndex::Node& node = index_.nodes_[frame.node];
  node.first_child = static_cast<std::uint32_t>(index_.children_.size());
  node.child_count = static_cast<std::uint32_t>(pending_.end() - begin);
  index_.children_.insert(index_.children_.end(), begin, pending_.end());
  pending_.erase(begin, pending_.end());
  stack_.pop_back();
}

LocationIndex LocationIndexBuilder::Finish() {
  while (!stack_.empty()) End();
  return std::move(index_);
}

void AppendPointerToken(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

std::string FormatAt(const std::string& name, SourceLocation where, std::string_view message) {
  std::string out = name;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace hpcflow::workflows::internal
