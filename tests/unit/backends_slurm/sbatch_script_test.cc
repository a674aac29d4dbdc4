#include "backends/slurm/sbatch_script.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "backends/slurm/command_runner.h"

namespace hpcflow::backends::slurm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What /bin/sh makes of a quoted word: the quoting is only right if the
// shell gives back the exact original.
std::string ShellEcho(const std::string& quoted) {
  auto out = RunCommand({"/bin/sh", "-c", "printf '%s' " + quoted}, 5000);
  EXPECT_TRUE(out.has_value());
  return out ? out->out : "";
}

TEST(ShellQuote, SurvivesTheShellUnchanged) {
  for (std::string value :
       {std::string(""), std::string("plain"), std::string("it's"), std::string("a b\tc\nd"),
        std::string("$HOME `id` $(id) \\ \" ; | &"), std::string("''''"), std::string("*?[a]~")}) {
    EXPECT_EQ(ShellEcho(ShellQuote(value)), value) << value;
  }
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

TEST(ShellVariableName, AcceptsOnlyExportableNames) {
  EXPECT_TRUE(IsShellVariableName("HPCFLOW_TASK_TOKEN"));
  EXPECT_TRUE(IsShellVariableName("_x1"));
  EXPECT_FALSE(IsShellVariableName(""));
  EXPECT_FALSE(IsShellVariableName("1X"));
  EXPECT_FALSE(IsShellVariableName("A-B"));
  EXPECT_FALSE(IsShellVariableName("A B"));
  EXPECT_FALSE(IsShellVariableName("A=B"));
}

TEST(EscapeFilenamePattern, DoublesPercent) {
  EXPECT_EQ(EscapeFilenamePattern("/tmp/50%done/x"), "/tmp/50%%done/x");
  EXPECT_EQ(EscapeFilenamePattern("/plain"), "/plain");
}

TEST(SlurmJobName, KeepsCleanNamesAndHashesOthers) {
  EXPECT_EQ(SlurmJobName("exec-1234.Map.7.attempt-2"), "exec-1234.Map.7.attempt-2");
  std::string with_comma = SlurmJobName("a,b");
  EXPECT_EQ(with_comma.rfind("a_b-", 0), 0u) << with_comma;
  EXPECT_EQ(with_comma.find(','), std::string::npos);
  // Distinct names stay distinct even when they sanitize alike.
  EXPECT_NE(SlurmJobName("a,b"), SlurmJobName("a b"));
  EXPECT_NE(SlurmJobName("a,b"), SlurmJobName("a_b"));
  EXPECT_EQ(SlurmJobName("a,b"), SlurmJobName("a,b"));
  std::string long_name(300, 'x');
  EXPECT_LT(SlurmJobName(long_name).size(), 230u);
  EXPECT_NE(SlurmJobName(long_name), SlurmJobName(long_name + "y"));
}

TEST(ArrayJobName, DependsOnEveryNameAndTheirOrder) {
  std::string name = ArrayJobName({"a", "b", "c"});
  EXPECT_EQ(name.rfind("hpcflow-array-3-", 0), 0u) << name;
  EXPECT_EQ(name, ArrayJobName({"a", "b", "c"}));
  EXPECT_NE(name, ArrayJobName({"a", "c", "b"}));
  EXPECT_NE(name, ArrayJobName({"a", "b", "d"}));
  EXPECT_NE(ArrayJobName({"ab", "c"}), ArrayJobName({"a", "bc"}));
}

TEST(TimeLimitMinutes, RoundsUp) {
  EXPECT_EQ(TimeLimitMinutes(0), 0);
  EXPECT_EQ(TimeLimitMinutes(1), 1);
  EXPECT_EQ(TimeLimitMinutes(60), 1);
  EXPECT_EQ(TimeLimitMinutes(61), 2);
  EXPECT_EQ(TimeLimitMinutes(3600), 60);
}

TEST(ResourceArguments, MapsEveryResource) {
  JobSpec spec;
  spec.partition = "gpu";
  spec.time_limit_s = 90;
  spec.nodes = 2;
  spec.tasks = 8;
  spec.cpus = 4;
  spec.memory_mb = 2048;
  spec.gpus = 1;
  spec.account = "proj1";
  spec.qos = "high";
  spec.constraint = "avx512&ib";
  spec.sbatch_args = {"--exclusive", "--mail-type=NONE"};
  EXPECT_EQ(ResourceArguments(spec),
            (std::vector<std::string>{"--partition=gpu", "--time=2", "--nodes=2", "--ntasks=8",
                                      "--cpus-per-task=4", "--mem=2048M", "--gpus=1",
                                      "--account=proj1", "--qos=high", "--constraint=avx512&ib",
                                      "--exclusive", "--mail-type=NONE"}));
}

TEST(ResourceArguments, LeavesOutWhatWasNotAskedFor) {
  JobSpec spec;  // tasks = 1, cpus = 1 by default
  EXPECT_EQ(ResourceArguments(spec), (std::vector<std::string>{"--ntasks=1", "--cpus-per-task=1"}));
}

TEST(ArrayRange, WithAndWithoutThrottle) {
  EXPECT_EQ(ArrayRange(10, 0), "0-9");
  EXPECT_EQ(ArrayRange(200, 20), "0-199%20");
  EXPECT_EQ(ArrayRange(1, 0), "0");
}

TEST(SbatchArguments, ArrayWithDependencyAndResourcesLast) {
  SbatchRequest request;
  request.job_name = "hpcflow-array-3-abc";
  request.array_count = 3;
  request.throttle = 2;
  request.after_job_id = "41";
  request.chdir = "/w";
  request.output = "/d/slurm-%A_%a.out";
  request.error = "/d/slurm-%A_%a.err";
  request.script = "/d/batch.sh";
  request.resources = {"--ntasks=1", "--time=5"};
  EXPECT_EQ(
      SbatchArguments(request),
      (std::vector<std::string>{
          "--parsable", "--job-name=hpcflow-array-3-abc", "--export=ALL", "--open-mode=append",
          "--array=0-2%2", "--dependency=afterany:41", "--chdir=/w", "--output=/d/slurm-%A_%a.out",
          "--error=/d/slurm-%A_%a.err", "--ntasks=1", "--time=5", "/d/batch.sh"}));
}

TEST(SbatchArguments, PlainJobHasNoArray) {
  SbatchRequest request;
  request.job_name = "j";
  request.script = "/d/s.sh";
  auto args = SbatchArguments(request);
  for (const auto& a : args) EXPECT_EQ(a.rfind("--array", 0), std::string::npos) << a;
  EXPECT_EQ(args.back(), "/d/s.sh");
}

TEST(BatchScript, PlainJobExecsTheWrapper) {
  ScriptRequest request;
  request.hpcflow_binary = "/opt/hpc flow/bin/hpcflow";
  request.description = "job one";
  request.job_dir = "/jobs/j 1";
  auto script = BatchScript(request);
  ASSERT_TRUE(script.has_value()) << script.error().cause;
  EXPECT_EQ(script->rfind("#!/bin/sh\n", 0), 0u);
  EXPECT_THAT(*script, HasSubstr("hpcflow_job_dir='/jobs/j 1'\n"));
  EXPECT_THAT(*script,
              HasSubstr("exec '/opt/hpc flow/bin/hpcflow' job-wrapper \"$hpcflow_job_dir\"\n"));
  EXPECT_THAT(*script, HasSubstr("\"$SLURM_JOB_ID\""));
  // The job's environment (its task token) is the wrapper's to set, from
  // the 0600 spec: never in a script that Slurm keeps in its spool.
  EXPECT_THAT(*script, Not(HasSubstr("export")));
}

TEST(BatchScript, ArrayElementFindsItsDirectoryByIndex) {
  ScriptRequest request;
  request.hpcflow_binary = "/bin/hpcflow";
  request.job_list = "/jobs/a/slurm_array/job_dirs";
  auto script = BatchScript(request);
  ASSERT_TRUE(script.has_value());
  EXPECT_THAT(*script, HasSubstr("$((SLURM_ARRAY_TASK_ID + 1))p"));
  EXPECT_THAT(*script, HasSubstr("'/jobs/a/slurm_array/job_dirs'"));
  EXPECT_THAT(*script, HasSubstr("${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"));
}

TEST(BatchScript, RefusesAJobDirectoryWithANewline) {
  ScriptRequest request;
  request.hpcflow_binary = "/bin/hpcflow";
  request.job_dir = "/a\nb";
  auto script = BatchScript(request);
  ASSERT_FALSE(script.has_value());
  EXPECT_EQ(script.error().name, "usage");
}

// The generated script, run by /bin/sh with a stand-in "hpcflow" that prints
// what it was given, resolves the element's directory and records its id.
TEST(BatchScript, RunsAsAShellScript) {
  char tmpl[] = "/tmp/hpcflow-script-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string fake = dir + "/fake-hpcflow";
  ASSERT_TRUE(RunCommand({"/bin/sh", "-c",
                          "mkdir -p '" + dir + "/j0' '" + dir +
                              "/j 1' && printf '%s\\n' "
                              "'#!/bin/sh' 'echo \"$1|$2\"' >" +
                              fake + " && chmod +x " + fake + " && printf '%s\\n' '" + dir +
                              "/j0' '" + dir + "/j 1' >" + dir + "/list"},
                         5000));
  ScriptRequest request;
  request.hpcflow_binary = fake;
  request.job_list = dir + "/list";
  auto script = BatchScript(request);
  ASSERT_TRUE(script.has_value());
  auto out = RunCommand(
      {"/usr/bin/env", "SLURM_ARRAY_JOB_ID=77", "SLURM_ARRAY_TASK_ID=1", "/bin/sh", "-c", *script},
      5000);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->out, "job-wrapper|" + dir + "/j 1\n") << out->err;
  auto marker = RunCommand({"/bin/cat", dir + "/j 1/slurm_job_id"}, 5000);
  EXPECT_EQ(marker->out, "77_1\n");
  EXPECT_TRUE(RunCommand({"/bin/rm", "-rf", dir}, 5000).has_value());
}

}  // namespace
}  // namespace hpcflow::backends::slurm
