// The backends one runtime uses, created on first use: local, mpi, slurm and
// fake (for tests). A Task's resource picks one (hpcflow:::local:run, ...),
// or hpcflow:::job:run follows the execution's --backend.
#ifndef HPCFLOW_ORCHESTRATOR_RUNTIME_BACKEND_REGISTRY_H_
#define HPCFLOW_ORCHESTRATOR_RUNTIME_BACKEND_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "backends/backend.h"
#include "common/json.h"
#include "common/result.h"

namespace hpcflow::orchestrator {

class BackendRegistry {
 public:
  // Ends the backends see themselves: every end of the fake (it has no job
  // wrapper), and those of local and mpi jobs, whose wrappers the job
  // launcher starts and which do not report through the callback API.
  using EndSink = std::function<void(const backends::JobHandle&, const backends::JobEnd&)>;

  // A job waits in a backend's own slot queue (local, mpi, fake), or leaves
  // it: its task's clock stops, and starts again (from any thread).
  using QueueSink = std::function<void(const backends::JobHandle&)>;

  BackendRegistry(std::string hpcflow_binary, EndSink on_end, QueueSink on_queued = {},
                  QueueSink on_dequeued = {});
  ~BackendRegistry();

  static bool IsKnown(const std::string& name);
  static std::string KnownNames();  // for messages: "local, mpi, slurm, fake"
  // The capabilities of the backend `name` (none for one that cannot be
  // created here: its jobs fail at submission anyway).
  backends::BackendCapabilities CapabilitiesOf(const std::string& name);

  // The backend, created on first use. Errors: an unknown name, or a backend
  // that cannot work here (slurm without its commands, mpi without mpirun).
  Result<backends::Backend*> Get(const std::string& name);

  // {"slurm": {"sbatch": 2, "squeue": 9}, ...}: backends that ran commands.
  Json CommandCounts() const;

 private:
  std::string binary_;
  EndSink on_end_;
  QueueSink on_queued_;
  QueueSink on_dequeued_;
  std::map<std::string, std::unique_ptr<backends::Backend>> backends_;
};

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_RUNTIME_BACKEND_REGISTRY_H_
