// The state directory's access rule (see docs/security.md): it holds the
// store, the task-token key, the control secret and every job's spec (with
// its task token), so it and everything in it belong to its owner alone:
// 0700 directories and 0600 files, whoever creates it and whatever the umask.
#ifndef HPCFLOW_ORCHESTRATOR_STORE_STATE_DIR_H_
#define HPCFLOW_ORCHESTRATOR_STORE_STATE_DIR_H_

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

// Makes `dir` ready for use, like ssh does for ~/.ssh:
//  - missing: created 0700 (with any missing parents, 0700 too);
//  - an existing directory of ours, closed to group and others: used as is;
//  - ours but open to others, and hpcflow's (it holds the store, a key or
//    the server lock) or empty: tightened to 0700, with everything in it
//    made owner-only, with a note on stderr saying so;
//  - anything else is refused. Errors (name "store"): not a directory, owned
//    by another user, or open to others and not hpcflow's (e.g. /tmp), each
//    with the fix.
Status PrepareStateDir(const std::string& dir);

// Where state lives when no directory is named: $HPCFLOW_HOME, then
// ~/.hpcflow (./.hpcflow without a home).
std::string DefaultStateDir();

// The state directory to use for `dir` (empty: DefaultStateDir()), as an
// absolute path: job directories inside it are handed to job wrappers and
// batch scripts that run elsewhere, so a relative --state-dir must not
// reach them as given.
std::string ResolveStateDirPath(const std::string& dir);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_STATE_DIR_H_
