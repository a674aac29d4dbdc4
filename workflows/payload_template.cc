#include "workflows/payload_template.h"

#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflows/intrinsics.h"

namespace hpcflow::workflows {

struct TemplateField;

struct TemplateNode {
  enum class Kind { kConstant, kObject, kArray, kPath, kIntrinsic };
  Kind kind = Kind::kConstant;
  Json constant;
  // A vector of a struct, not of std::pair: pair<string, TemplateNode> would
  // need TemplateNode complete here, which clang's libstdc++ checks enforce.
  std::vector<TemplateField> fields;  // kObject: output key -> node
  std::vector<TemplateNode> items;    // kArray
  std::optional<JsonPath> path;
  std::shared_ptr<const Intrinsic> intrinsic;
  std::string source_key;  // the key as written ("x.$"), for messages
};

struct TemplateField {
  std::string key;
  TemplateNode node;
};

namespace {

constexpr int kMaxTemplateDepth = 256;

bool EndsWithDollar(const std::string& key) {
  return key.size() >= 2 && key.compare(key.size() - 2, 2, ".$") == 0;
}

TemplateNode CompileNode(const Json& value, const std::string& pointer, int depth,
                         Diagnostics& diags) {
  TemplateNode node;
  if (depth > kMaxTemplateDepth) {
    diags.Add(pointer, "payload template nested too deeply");
    return node;
  }
  if (value.is_object()) {
    node.kind = TemplateNode::Kind::kObject;
    bool dynamic = false;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& key = it.key();
      std::string child_pointer = PointerAppend(pointer, key);
      if (EndsWithDollar(key)) {
        dynamic = true;
        TemplateNode child;
        child.source_key = key;
        if (!it->is_string()) {
          diags.Add(child_pointer,
                    "the value of a field ending in '.$' must be a string holding "
                    "a path or an intrinsic function call");
          continue;
        }
        const auto& text = it->get_ref<const std::string&>();
        if (LooksLikeIntrinsic(text)) {
          auto call = ParseIntrinsic(text);
          if (!call) {
            diags.Add(child_pointer, call.error().cause);
            continue;
          }
          child.kind = TemplateNode::Kind::kIntrinsic;
          child.intrinsic = std::move(*call);
        } else {
          auto path = JsonPath::Parse(text);
          if (!path) {
            diags.Add(child_pointer, "'" + text +
                                         "' is neither a valid JSONPath nor an "
                                         "intrinsic function call: " +
                                         path.error().cause);
            continue;
          }
          child.kind = TemplateNode::Kind::kPath;
          child.path = std::move(*path);
        }
        node.fields.push_back(TemplateField{key.substr(0, key.size() - 2), std::move(child)});
      } else {
        TemplateNode child = CompileNode(*it, child_pointer, depth + 1, diags);
        if (child.kind != TemplateNode::Kind::kConstant) dynamic = true;
        node.fields.push_back(TemplateField{key, std::move(child)});
      }
    }
    std::unordered_set<std::string_view> seen;
    for (const auto& field : node.fields) {
      if (!seen.insert(field.key).second) {
        diags.Add(pointer,
                  "the field '" + field.key + "' is given twice (once with '.$' and once without)");
      }
    }
    if (!dynamic) {
      node = TemplateNode{};
      node.constant = value;
    }
    return node;
  }
  if (value.is_array()) {
    node.kind = TemplateNode::Kind::kArray;
    bool dynamic = false;
    for (size_t i = 0; i < value.size(); ++i) {
      node.items.push_back(CompileNode(value[i], PointerAppend(pointer, i), depth + 1, diags));
      if (node.items.back().kind != TemplateNode::Kind::kConstant) dynamic = true;
    }
    if (!dynamic) {
      node = TemplateNode{};
      node.constant = value;
    }
    return node;
  }
  node.constant = value;
  return node;
}

Result<Json> EvaluateNode(const TemplateNode& node, const PathEnv& env, RandomSource* random) {
  switch (node.kind) {
    case TemplateNode::Kind::kConstant:
      return node.constant;
    case TemplateNode::Kind::kObject: {
      // Output keys are unique (checked when compiling): append in place.
      Json out = Json::object();
      auto& fields = out.get_ref<Json::object_t&>();
      fields.reserve(node.fields.size());
      for (const auto& [key, child] : node.fields) {
        auto value = EvaluateNode(child, env, random);
        if (!value) return value;
        fields.emplace_back(key, std::move(*value));
      }
      return out;
    }
    case TemplateNode::Kind::kArray: {
      Json out = Json::array();
      for (const auto& child : node.items) {
        auto value = EvaluateNode(child, env, random);
        if (!value) return value;
        out.push_back(std::move(*value));
      }
      return out;
    }
    case TemplateNode::Kind::kPath: {
      auto value = node.path->Evaluate(env);
      if (!value) {
        const Json& scope =
            node.path->root() == JsonPath::Root::kContext ? env.Context() : env.Input();
        return Fail("States.Runtime", "The JSONPath '" + node.path->text() +
                                          "' specified for the field '" + node.source_key +
                                          "' could not be found in the input '" + DumpJson(scope) +
                                          "'");
      }
      return std::move(*value);
    }
    case TemplateNode::Kind::kIntrinsic:
      return EvaluateIntrinsic(*node.intrinsic, env, random);
  }
  return Json();
}

}  // namespace

PayloadTemplate::~PayloadTemplate() = default;

std::shared_ptr<const PayloadTemplate> PayloadTemplate::Compile(const Json& value,
                                                                const std::string& pointer,
                                                                Diagnostics& diags) {
  auto compiled = std::shared_ptr<PayloadTemplate>(new PayloadTemplate());
  compiled->root_ = std::make_unique<TemplateNode>(CompileNode(value, pointer, 0, diags));
  return compiled;
}

Result<Json> PayloadTemplate::Evaluate(const PathEnv& env, RandomSource* random) const {
  return EvaluateNode(*root_, env, random);
}

bool PayloadTemplate::is_constant() const { return root_->kind == TemplateNode::Kind::kConstant; }

Result<Json> ResolveFieldPath(const JsonPath& path, const PathEnv& env) {
  auto value = path.Evaluate(env);
  if (!value) {
    return Fail("States.Runtime",
                "Invalid path '" + path.text() + "' : No results for path: " + path.Canonical());
  }
  return std::move(*value);
}

}  // namespace hpcflow::workflows
