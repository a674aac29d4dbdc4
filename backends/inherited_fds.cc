#include "backends/inherited_fds.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hpcflow::backends {

namespace {

// close_range(first, last, CLOSE_RANGE_CLOEXEC) (Linux 5.11), by syscall so
// that an older C library does not matter.
bool MarkRange(unsigned first, unsigned last) {
  if (first > last) return true;
  return syscall(SYS_close_range, first, last, CLOSE_RANGE_CLOEXEC) == 0;
}

}  // namespace

void CloseOnExecAllBut(int keep) {
  bool done = keep > 2 ? MarkRange(3, static_cast<unsigned>(keep) - 1) &&
                             MarkRange(static_cast<unsigned>(keep) + 1, ~0U)
                       : MarkRange(3, ~0U);
  if (!done) {
    // Older kernels: one descriptor at a time, up to the limit.
    struct rlimit limit {};
    int max = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 1'048'576
                  ? static_cast<int>(limit.rlim_cur)
                  : 1'048'576;
    for (int fd = 3; fd < max; ++fd) {
      if (fd != keep) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  if (keep >= 0) fcntl(keep, F_SETFD, 0);
}

}  // namespace hpcflow::backends
