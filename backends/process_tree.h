// Making the job wrapper responsible for every process its job starts, even
// those that leave the job's process group (Open MPI puts each rank in a
// group of its own; daemons call setsid).
//
// The wrapper becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a
// descendant orphaned by its parent is adopted by the wrapper instead of
// init, so once the job has ended the wrapper can find and kill what is
// left, as a scheduler would.
#ifndef HPCFLOW_BACKENDS_PROCESS_TREE_H_
#define HPCFLOW_BACKENDS_PROCESS_TREE_H_

#include <sys/types.h>

#include <vector>

namespace hpcflow::backends {

// Makes this process the reaper of its orphaned descendants. Returns false
// where the kernel does not support it.
bool BecomeSubreaper();

// The children of `parent`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent);

// SIGKILLs and reaps every remaining descendant of this process, round by
// round, as the orphans of each round are adopted. Call only once the
// processes this one waits for itself were reaped.
void KillAndReapDescendants();

}  // namespace hpcflow::backends

#endif  // HPCFLOW_BACKENDS_PROCESS_TREE_H_
