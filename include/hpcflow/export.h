// HPCFLOW_API marks what libhpcflow exports: the classes of this directory.
// Everything else in the library is hidden, so it cannot clash with the
// embedding program's own libraries.
#ifndef HPCFLOW_EXPORT_H_
#define HPCFLOW_EXPORT_H_

#define HPCFLOW_API __attribute__((visibility("default")))

#endif  // HPCFLOW_EXPORT_H_
