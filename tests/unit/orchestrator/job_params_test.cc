#include "orchestrator/runtime/job_params.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace hpcflow::orchestrator {
namespace {

using backends::JobEnd;

bool LocalUnderstands(const std::string& p) {
  return p == "Environment" || p == "WorkingDirectory" || p == "Cpus" || p == "Time";
}

Result<backends::JobSpec> FromParams(const std::string& json, std::vector<std::string>& ignored) {
  return JobSpecFromParameters(Json::parse(json), LocalUnderstands, ignored);
}

Result<backends::JobSpec> FromParams(const std::string& json) {
  std::vector<std::string> ignored;
  return FromParams(json, ignored);
}

TEST(JobSpecFromParametersTest, ReadsEveryParameter) {
  std::vector<std::string> ignored;
  auto spec = FromParams(R"({"Command":["echo","hi"],"Environment":{"A":"1","B":2},
      "WorkingDirectory":"/tmp","Cpus":4,"Tasks":8,"Nodes":2,"Gpus":1,"Memory":"4G",
      "Time":"1-02:03:04","Partition":"short","Account":"lab","Qos":"high",
      "Constraint":"avx2","SbatchArgs":["--exclusive"]})",
                         ignored);
  ASSERT_TRUE(spec) << spec.error().cause;
  EXPECT_EQ(spec->argv, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(spec->environment.at("A"), "1");
  EXPECT_EQ(spec->environment.at("B"), "2");
  EXPECT_EQ(spec->working_directory, "/tmp");
  EXPECT_EQ(spec->cpus, 4);
  EXPECT_EQ(spec->tasks, 8);
  EXPECT_EQ(spec->nodes, 2);
  EXPECT_EQ(spec->gpus, 1);
  EXPECT_EQ(spec->memory_mb, 4096);
  EXPECT_EQ(spec->time_limit_s, 86400 + 2 * 3600 + 3 * 60 + 4);
  EXPECT_EQ(spec->partition, "short");
  EXPECT_EQ(spec->account, "lab");
  EXPECT_EQ(spec->qos, "high");
  EXPECT_EQ(spec->constraint, "avx2");
  EXPECT_EQ(spec->sbatch_args, (std::vector<std::string>{"--exclusive"}));
  EXPECT_EQ(ignored, (std::vector<std::string>{"Tasks", "Nodes", "Gpus", "Memory", "Partition",
                                               "Account", "Qos", "Constraint", "SbatchArgs"}));
}

TEST(JobSpecFromParametersTest, MemoryInSlurmUnits) {
  const std::pair<const char*, int64_t> cases[] = {
      {R"("512M")", 512}, {R"("4G")", 4096}, {R"("1T")", 1048576}, {R"("2048")", 2048},
      {R"(2048)", 2048},  {R"("100K")", 1},  {R"("2g")", 2048},    {R"("1536K")", 2}};
  for (const auto& [memory, mb] : cases) {
    auto spec = FromParams(std::string(R"({"Command":"true","Memory":)") + memory + "}");
    ASSERT_TRUE(spec) << memory << ": " << spec.error().cause;
    EXPECT_EQ(spec->memory_mb, mb) << memory;
  }
  for (const char* bad : {R"("4X")", R"("")", R"("G")", R"(0)", R"(-5)", R"("1.5G")", "true"}) {
    auto spec = FromParams(std::string(R"({"Command":"true","Memory":)") + bad + "}");
    ASSERT_FALSE(spec) << bad;
    EXPECT_EQ(spec.error().name, "States.TaskFailed");
    EXPECT_NE(spec.error().cause.find("Memory"), std::string::npos);
    EXPECT_NE(spec.error().cause.find(Json::parse(bad).dump()), std::string::npos)
        << spec.error().cause;
  }
}

TEST(JobSpecFromParametersTest, TimeInSlurmFormats) {
  const std::pair<const char*, int64_t> cases[] = {
      {R"("30")", 1800},     {R"("5:30")", 330},       {R"("01:02:03")", 3723},
      {R"("2-03")", 183600}, {R"("2-03:04")", 183840}, {R"("2-03:04:05")", 183845},
      {R"(10)", 600},        {R"("0:01")", 1}};
  for (const auto& [time, seconds] : cases) {
    auto spec = FromParams(std::string(R"({"Command":"true","Time":)") + time + "}");
    ASSERT_TRUE(spec) << time << ": " << spec.error().cause;
    EXPECT_EQ(spec->time_limit_s, seconds) << time;
  }
  for (const char* bad :
       {R"("1:2:3:4")", R"("x")", R"("1-")", R"("0")", R"(0)", R"("-5")", R"("UNLIMITED")", "[]"}) {
    auto spec = FromParams(std::string(R"({"Command":"true","Time":)") + bad + "}");
    ASSERT_FALSE(spec) << bad;
    EXPECT_NE(spec.error().cause.find("Time"), std::string::npos);
  }
}

TEST(JobSpecFromParametersTest, NamesTheBadParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"Command":"true","Cpus":0})", "Cpus"},
      {R"({"Command":"true","Tasks":"2"})", "Tasks"},
      {R"({"Command":"true","Nodes":1.5})", "Nodes"},
      {R"({"Command":"true","Gpus":-1})", "Gpus"},
      {R"({"Command":"true","Partition":3})", "Partition"},
      {R"({"Command":"true","SbatchArgs":"--exclusive"})", "SbatchArgs"},
      {R"({"Command":"true","SbatchArgs":[1]})", "SbatchArgs"},
      {R"({"Command":"true","Environment":[]})", "Environment"},
      // Names and values no backend can pass on, the same rule everywhere.
      {R"({"Command":"true","Environment":{"":"x"}})", "Environment: "},
      {R"({"Command":"true","Environment":{"PATH=/evil":"x"}})", "PATH=/evil"},
      {R"({"Command":"true","Environment":{"A\nB":"x"}})", "Environment: "},
      {R"({"Command":"true","Environment":{"A\u0000B":"x"}})", "Environment: "},
      {R"({"Command":"true","Environment":{"1X":"x"}})", "1X"},
      {R"({"Command":"true","Environment":{"OK":"a\u0000b"}})", "NUL"},
      {R"({"Command":[1]})", "Command"},
      {R"({"Command":[]})", "Command"},
      {R"({"Cpus":1})", "Command"}};
  for (const auto& [params, name] : cases) {
    auto spec = FromParams(params);
    ASSERT_FALSE(spec) << params;
    EXPECT_EQ(spec.error().name, "States.TaskFailed");
    EXPECT_NE(spec.error().cause.find(name), std::string::npos) << spec.error().cause;
  }
}

class TaskResultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hpcflow-result-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ + "/stderr") << "the tail of stderr\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Error FailureOf(JobEnd::Kind kind, const std::string& backend = "local") {
    JobEnd end;
    end.kind = kind;
    end.exit_code = 2;
    end.signal = 9;
    auto result = TaskResultFromJobEnd(end, backend, "42", backends::JobFiles(dir_));
    EXPECT_FALSE(result);
    return result ? Error{} : result.error();
  }
  std::string dir_;
};

TEST_F(TaskResultTest, MapsEveryEndKind) {
  EXPECT_EQ(FailureOf(JobEnd::Kind::kExited).name, "States.TaskFailed");
  EXPECT_NE(FailureOf(JobEnd::Kind::kExited).cause.find("code 2"), std::string::npos);
  EXPECT_NE(FailureOf(JobEnd::Kind::kExited).cause.find("the tail of stderr"), std::string::npos);
  EXPECT_EQ(FailureOf(JobEnd::Kind::kSignaled).name, "States.TaskFailed");
  EXPECT_NE(FailureOf(JobEnd::Kind::kSignaled).cause.find("signal 9"), std::string::npos);
  EXPECT_EQ(FailureOf(JobEnd::Kind::kTimedOut).name, "States.Timeout");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kCancelled).name, "Job.Cancelled");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kCancelled, "slurm").name, "Slurm.Cancelled");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kOutOfMemory).name, "Slurm.OutOfMemory");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kNodeFail).name, "Slurm.NodeFail");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kPreempted).name, "Slurm.Preempted");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kBootFail).name, "Slurm.BootFail");
  EXPECT_EQ(FailureOf(JobEnd::Kind::kLost).name, "Job.Lost");
}

TEST_F(TaskResultTest, SuccessHasTheSyncShape) {
  std::ofstream(dir_ + "/result.json") << R"({"x":1})";
  JobEnd end;
  end.kind = JobEnd::Kind::kExited;
  end.exit_code = 0;
  end.start_ms = 1000;
  end.end_ms = 2000;
  auto result = TaskResultFromJobEnd(end, "mpi", "7", backends::JobFiles(dir_));
  ASSERT_TRUE(result) << result.error().cause;
  for (const char* key : {"ExitCode", "Backend", "JobId", "State", "Result", "Stdout", "Stderr",
                          "StartTime", "EndTime"}) {
    EXPECT_TRUE(result->contains(key)) << key;
  }
  EXPECT_EQ((*result)["Backend"], "mpi");
  EXPECT_EQ((*result)["Result"], Json::parse(R"({"x":1})"));
}

}  // namespace
}  // namespace hpcflow::orchestrator
