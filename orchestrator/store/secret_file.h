// Owner-only secrets kept in the state directory: token.key (the HMAC key of
// task tokens) and control.key (the control API's shared secret).
#ifndef HPCFLOW_ORCHESTRATOR_STORE_SECRET_FILE_H_
#define HPCFLOW_ORCHESTRATOR_STORE_SECRET_FILE_H_

#include <string>

#include "common/result.h"

namespace hpcflow::orchestrator {

inline constexpr char kTokenKeyFile[] = "token.key";
inline constexpr char kControlKeyFile[] = "control.key";

// Returns the secret stored at `path` (64 hex characters: 32 random bytes),
// creating the file with mode 0600 if it does not exist. Processes that race
// to create it agree on one secret: the first creator wins (O_EXCL) and the
// others read its file, waiting briefly while it is still being written.
//
// Errors (name "hpcflow.Secret", the cause names the path):
//  - the file is accessible to group or others, or not owned by us: refused,
//    with the fix (chmod 600 / remove it), since anyone who can read it can
//    forge task tokens;
//  - it is not a regular file, or does not hold a 64-hex-digit secret;
//  - it cannot be created or read (missing directory, permissions, disk).
Result<std::string> LoadOrCreateSecret(const std::string& path);

}  // namespace hpcflow::orchestrator

#endif  // HPCFLOW_ORCHESTRATOR_STORE_SECRET_FILE_H_
