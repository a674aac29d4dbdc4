// Crash injection, for the crash-point matrix (tests/crash/): the test-only
// switch that proves "kill -9 at any moment loses nothing and runs nothing
// twice" at every point where a crash changes what must happen next, rather
// than at a few lucky kill timings.
//
//   HPCFLOW_CRASH_AT=POINT[:N]   SIGKILL this process at its Nth pass (default
//                                1) through POINT, one of kCrashPoints.
//   HPCFLOW_CRASH_COUNTER=FILE   count the passes in FILE instead, across all
//                                the processes that have the variables (the
//                                server and every job wrapper it starts), so
//                                that exactly one of them dies, once.
//
// Unset, a crash point costs one load of a cached flag. The process kills
// itself with SIGKILL, like `kill -9`: no destructor, flush or atexit runs.
#ifndef HPCFLOW_COMMON_CRASH_POINT_H_
#define HPCFLOW_COMMON_CRASH_POINT_H_

namespace hpcflow {

// Every crash point, with where it sits. Kept in one list so that the
// matrix and the documentation can enumerate them.
inline constexpr const char* kCrashPoints[] = {
    // The runtime committed a decision and has not performed its effects
    // (started jobs and timers, cancelled tasks) yet.
    "runtime.after_commit",
    // A backend accepted jobs; the runtime has not recorded their handles.
    "runtime.after_submit",
    // A timer is due; its firing is not committed yet.
    "runtime.timer_fire",
    // A child execution was created; the parent's task does not know it yet.
    "runtime.child_start",
    // A callback's outcome is committed; its HTTP answer has not been sent.
    "runtime.callback_before_reply",
    // The local backend started a job's wrapper; Submit has not returned.
    "local.after_launch",
    // The job launcher forked a wrapper; it has not told the backend (the
    // launcher dies: its wrappers run on, the backend waits on their locks).
    "launcher.after_fork",
    // The Slurm backend recorded its intent to submit; sbatch has not run.
    "slurm.before_sbatch",
    // sbatch accepted a job or array; its job ids are not recorded yet.
    "slurm.after_sbatch",
    // The wrapper started the job's process (held at its start gate) and has
    // not recorded `started` yet.
    "wrapper.before_started",
    // The wrapper recorded the job's end in `exit` and has not reported it.
    "wrapper.before_report",
};

// Kills the process when HPCFLOW_CRASH_AT names `point` and its pass count
// is reached; otherwise does nothing. Thread-safe.
void CrashPoint(const char* point);

// True when `name` is one of kCrashPoints.
bool IsCrashPoint(const char* name);

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_CRASH_POINT_H_
