// Result<T> and Error are the public API's own (include/hpcflow/result.h):
// one type for expected failures, inside hpcflow and at its surface.
#ifndef HPCFLOW_COMMON_RESULT_H_
#define HPCFLOW_COMMON_RESULT_H_

#include "hpcflow/result.h"

#endif  // HPCFLOW_COMMON_RESULT_H_
