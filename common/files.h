// Files and directories the way hpcflow keeps them: owner-only (a state
// directory holds task tokens and the control secret), written atomically,
// and read with a size limit so that a path taken from a workflow's input
// (a child workflow's StateMachine, an @FILE input) cannot make a process
// read /dev/zero or block on a FIFO.
#ifndef HPCFLOW_COMMON_FILES_H_
#define HPCFLOW_COMMON_FILES_H_

#include <cstddef>
#include <string>

#include "common/result.h"

namespace hpcflow {

// The largest workflow definition, input file or job result read whole.
inline constexpr size_t kMaxDocumentBytes = size_t{64} << 20;

// mkdir -p where every directory created is 0700 (whatever the umask);
// directories that exist are left as they are. Errors: "io", naming the
// path that could not be made.
Status CreatePrivateDirectories(const std::string& path);

// Reads a regular file of at most `max_bytes`. Opens without blocking (a
// FIFO is refused, not waited on) and refuses devices, directories and
// sockets. Errors: "io" ("not a regular file", "larger than N bytes",
// cannot open or read), naming the path.
Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes = kMaxDocumentBytes);

// Creates or truncates `path` with mode 0600 and writes `content`. Errors: "io".
Status WritePrivateFile(const std::string& path, const std::string& content);

// Removes group and other permissions from `path` and, when it is a
// directory, from everything below it (not following symbolic links).
// Returns how many entries were changed.
size_t RemoveGroupAndOtherAccess(const std::string& path);

// hpcflow runs with umask 077, so that nothing it creates is readable by
// others; jobs get the user's own umask back (JobSpec::umask). Call once,
// first thing in main: it records the umask it replaces in the environment
// (HPCFLOW_USER_UMASK), so that hpcflow processes started by hpcflow (a
// server started by submit) know the user's.
void UsePrivateUmask();
// The user's umask (as UsePrivateUmask recorded it), or the current one.
int UserUmask();

}  // namespace hpcflow

#endif  // HPCFLOW_COMMON_FILES_H_
