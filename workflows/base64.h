// Base64 as States.Base64Encode / States.Base64Decode use it (RFC 4648
// standard alphabet, padded, no line breaks).
#ifndef HPCFLOW_WORKFLOWS_BASE64_H_
#define HPCFLOW_WORKFLOWS_BASE64_H_

#include <string>
#include <string_view>

namespace hpcflow::workflows {

std::string Base64Encode(std::string_view bytes);

// Decodes leniently, the way AWS does (it accepts what Apache Commons Codec
// accepts): characters outside the alphabet (whitespace, '!', ...) are
// skipped, the URL-safe '-' and '_' are accepted, the first '=' ends the
// data, and missing padding is tolerated (leftover bits that do not make a
// whole byte are dropped). Never fails; the result is raw bytes.
std::string Base64DecodeLenient(std::string_view text);

}  // namespace hpcflow::workflows

#endif  // HPCFLOW_WORKFLOWS_BASE64_H_
