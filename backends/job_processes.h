// The processes of a job whose wrapper is gone (SIGKILLed, OOM-killed, its
// node rebooted): found and stopped without ever signalling a process that
// merely reuses one of the job's pids.
//
// A job is identified by what its wrapper recorded in DIR/started: the
// process group it leads (pgid) with the leader's start time in clock ticks
// since boot, and the boot's id. Besides, every process of the job carries
// HPCFLOW_JOB_DIR=DIR in its environment (the wrapper sets it), which finds
// the processes that left the group (Open MPI ranks, daemons that setsid).
#ifndef HPCFLOW_BACKENDS_JOB_PROCESSES_H_
#define HPCFLOW_BACKENDS_JOB_PROCESSES_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace hpcflow::backends {

struct StartedRecord;

// The environment variable that marks a job's processes.
inline constexpr char kJobDirVariable[] = "HPCFLOW_JOB_DIR";

// The start time of `pid` in clock ticks since boot (/proc/PID/stat field
// 22); nullopt when it is gone.
std::optional<uint64_t> ProcessStartTicks(pid_t pid);

// This boot's id (/proc/sys/kernel/random/boot_id), "" when unknown.
std::string BootId();

// Sends `sig` to the job's process group if the group is still the job's:
// recorded on this boot, and its leader either alive with the recorded start
// time or gone (a group id is not handed out again while the group has
// members). Returns true when the signal was sent to a live group.
bool SignalJobGroup(const StartedRecord& started, int sig);

// SIGKILLs everything left of the job in `job_dir`: its process group (as
// SignalJobGroup decides) and every process of this user that carries the
// job's HPCFLOW_JOB_DIR and started no earlier than the job. Waits up to
// `timeout_ms` for them to be gone. Returns how many processes were found.
int KillJobLeftovers(const std::string& job_dir, const StartedRecord& started, int timeout_ms);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_JOB_PROCESSES_H_
