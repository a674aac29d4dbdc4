// docs/openapi.yaml and the server's route table (api_routes.cc) agree: the
// same operations, each with its method, path, summary and key rule; and the
// table's path matching behaves as the document describes.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <utility>

#include "orchestrator/server/api_operations.h"

namespace hpcflow::orchestrator {
namespace {

YAML::Node Document() { return YAML::LoadFile(HPCFLOW_OPENAPI_FILE); }

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

TEST(OpenApiTest, TheDocumentIsOpenApi3WithOperationsThatAnswer) {
  YAML::Node doc = Document();
  EXPECT_EQ(doc["openapi"].as<std::string>().substr(0, 2), "3.");
  ASSERT_TRUE(doc["paths"].IsMap());
  std::set<std::string> ids;
  for (const auto& path : doc["paths"]) {
    for (const auto& operation : path.second) {
      const std::string where =
          operation.first.as<std::string>() + " " + path.first.as<std::string>();
      ASSERT_TRUE(operation.second["operationId"]) << where;
      EXPECT_TRUE(ids.insert(operation.second["operationId"].as<std::string>()).second)
          << where << ": operationId used twice";
      ASSERT_TRUE(operation.second["responses"].IsMap()) << where;
      EXPECT_GE(operation.second["responses"].size(), 2u) << where;
    }
  }
}

TEST(OpenApiTest, EveryRouteIsDocumentedAndEveryDocumentedOperationIsRouted) {
  YAML::Node paths = Document()["paths"];
  std::set<std::pair<std::string, std::string>> documented, routed;
  for (const auto& path : paths) {
    for (const auto& operation : path.second) {
      documented.insert({Lower(operation.first.as<std::string>()), path.first.as<std::string>()});
    }
  }
  for (const ApiRoute& route : ApiRoutes()) {
    routed.insert({Lower(route.method), route.path});
    YAML::Node operation = paths[route.path][Lower(route.method)];
    ASSERT_TRUE(operation) << route.method << " " << route.path << " is not in docs/openapi.yaml";
    EXPECT_EQ(operation["summary"].as<std::string>(), route.summary) << route.path;
    // The control API says it needs the key; callbacks say nothing.
    EXPECT_EQ(static_cast<bool>(operation["security"]), route.control) << route.path;
    if (route.control) {
      EXPECT_TRUE(operation["security"][0]["controlKey"]) << route.path;
      EXPECT_TRUE(operation["responses"]["401"]) << route.path << " documents no 401";
    }
  }
  EXPECT_EQ(documented, routed);
}

TEST(OpenApiTest, PathsMatchSegmentBySegment) {
  const ApiRoute* stop = nullptr;
  const ApiRoute* list = nullptr;
  for (const ApiRoute& route : ApiRoutes()) {
    if (std::string(route.path) == "/v1/executions/{id}/stop") stop = &route;
    if (std::string(route.path) == "/v1/executions" && std::string(route.method) == "GET") {
      list = &route;
    }
  }
  ASSERT_TRUE(stop && list);
  EXPECT_TRUE(PathMatches(*stop, PathSegments("/v1/executions/abc/stop")));
  EXPECT_TRUE(PathMatches(*stop, PathSegments("/v1/executions/a%2Fb/stop")));  // one segment
  EXPECT_EQ(PathSegments("/v1/executions/a%2Fb/stop")[2], "a/b");
  EXPECT_FALSE(PathMatches(*stop, PathSegments("/v1/executions/a/b/stop")));
  EXPECT_FALSE(PathMatches(*stop, PathSegments("/v1/executions/abc")));
  EXPECT_TRUE(PathMatches(*list, PathSegments("/v1/executions")));
  EXPECT_TRUE(PathMatches(*list, PathSegments("/v1/executions/")));
  EXPECT_FALSE(PathMatches(*list, PathSegments("/v1/execution")));
}

}  // namespace
}  // namespace hpcflow::orchestrator
