// Everything of hpcflow's public API: #include "hpcflow/hpcflow.h", link
// hpcflow::hpcflow (CMake: find_package(hpcflow)) or `pkg-config hpcflow`.
// The guide is docs/embedding.md.
#ifndef HPCFLOW_HPCFLOW_H_
#define HPCFLOW_HPCFLOW_H_

#include "hpcflow/client.h"
#include "hpcflow/engine.h"
#include "hpcflow/execution.h"
#include "hpcflow/export.h"
#include "hpcflow/function.h"
#include "hpcflow/result.h"
#include "hpcflow/version.h"

#endif  // HPCFLOW_HPCFLOW_H_
