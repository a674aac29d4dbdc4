#include "backends/backend.h"

namespace hpcflow::backends {

Json JobHandleToJson(const JobHandle& handle) {
  return {{"name", handle.name}, {"job_dir", handle.job_dir}, {"job_id", handle.job_id}};
}

JobHandle JobHandleFromJson(const Json& json) {
  JobHandle handle;
  if (!json.is_object()) return handle;
  handle.name = json.value("name", "");
  handle.job_dir = json.value("job_dir", "");
  handle.job_id = json.value("job_id", "");
  return handle;
}

}  // namespace hpcflow::backends
