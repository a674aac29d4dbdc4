// The job launcher: one small, long-lived process per local backend that
// starts the job wrappers, so that starting a job costs one fork of a small
// process instead of two forks of the orchestrator (whose fork cost grows
// with its memory) and an exec of the whole hpcflow binary (dynamic linking
// of some 40 libraries: about 9 ms of CPU per job).
//
// `hpcflow job-launcher FD` (started detached by the backend, so that it
// and its wrappers outlive the orchestrator) serves the backend over FD, a
// SOCK_SEQPACKET Unix socket. Each wrapper is a fork of the launcher that
// runs RunJobWrapper (backends/job_wrapper.h) as `hpcflow job-wrapper`
// would, with the same job directory contract: it holds the job's lock
// (handed over with the request, so a job is never unlocked between
// submission and end), records `started` and `exit`. It does not report the
// end itself: the backend learns it from the launcher and hands it on.
//
// Messages (one per packet, fields separated by tabs):
//   backend -> launcher  "L <job_dir>" with the job's locked lock descriptor
//                        attached (SCM_RIGHTS)
//   launcher -> backend  "P <pid> <job_dir>"   the wrapper runs, as pid
//                        "F <cause> <job_dir>" it could not be forked
//                        "X <job_dir>"         the wrapper has exited: the
//                                              lock is free, `exit` is
//                                              written unless it died
// The launcher exits when the backend's end closes (the orchestrator
// stopped or died); wrappers already started run on and record their ends,
// which a new backend finds through the lock and the job directory.
#ifndef HPCFLOW_BACKENDS_LOCAL_JOB_LAUNCHER_H_
#define HPCFLOW_BACKENDS_LOCAL_JOB_LAUNCHER_H_

#include <string>

#include "common/result.h"

namespace hpcflow::backends {

// The launcher's main loop on `socket_fd`; returns its exit code (0 when
// the backend closed its end).
int RunJobLauncher(int socket_fd);

// One message of the protocol, with the descriptor it carries (-1: none).
struct LauncherMessage {
  char kind = 0;
  std::string first;  // the pid or the cause ("P", "F"); the job directory otherwise
  std::string job_dir;
  int fd = -1;
};

// Sends `message` (its fd, if any, attached). Errors ("io"): the peer is gone.
Status SendLauncherMessage(int socket_fd, const LauncherMessage& message);

// Receives one message; nullopt-like error "eof" when the peer closed,
// "io" otherwise (a malformed message is an "io" error too).
Result<LauncherMessage> ReceiveLauncherMessage(int socket_fd);

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_LOCAL_JOB_LAUNCHER_H_
