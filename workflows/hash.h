// Message digests for States.Hash: MD5, SHA-1, SHA-256, SHA-384, SHA-512.
//
// Small self-contained implementations (no OpenSSL), checked against the
// FIPS 180-4 and RFC 1321 test vectors. Not constant-time; States.Hash is a
// data-processing helper, not a security primitive.
#ifndef HPCFLOW_WORKFLOWS_HASH_H_
#define HPCFLOW_WORKFLOWS_HASH_H_

#include <optional>
#include <string>
#include <string_view>

namespace hpcflow::workflows {

// Lower-case hex digest of `data` with `algorithm`, spelled exactly as AWS
// spells it ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"); nullopt for
// any other name (AWS is case- and hyphen-sensitive).
std::optional<std::string> HashHex(std::string_view algorithm, std::string_view data);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_HASH_H_
