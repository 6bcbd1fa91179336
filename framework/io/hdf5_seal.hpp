#pragma once
// Seals: a SHA-256 of an HDF5 object's content, stored on the object itself
// (attribute `tractable_sha256`, lower-case hex) when it is written and
// checked when it is read, so that a bad disk, a torn network write or a
// faulty copy is an error naming the file and the object, never a silently
// different density or a resumed run on corrupted parameters.
//
// The content of a dataset is its type class and size, its shape, its maximum
// shape (version 2 seals: "v2:" + hex; a version-1 seal, the bare hex, did not
// cover it and is still checked as it was made) and its values as read through
// the native type (what every reader sees); of a
// group, its attributes and, in name order, each child: an external link by
// its target (file and path), a sealed child by its own seal (checked on its
// own), any other child by its content. Attributes count by name and value.
// So a flipped bit in values, shapes, types or attributes changes the digest,
// while bytes that no reader reaches (padding, free space, a file's tail)
// change nothing, and h5py's `attrs` and `[()]` read exactly what was sealed.
//
// SHA-256 and not HDF5's Fletcher32 filter: the filter needs chunked
// datasets (not scalars such as /spec) and leaves attributes (a checkpoint's
// step, data cursor, learning-rate scale) and variable-length strings
// (parameter names, /spec) unprotected; a seal covers all of them, and
// OpenSSL's SHA-256 runs at about 1.8 GB/s on a CPU with SHA-NI (the EPYC
// of docs/reference/run-file.md, "Checksums": `openssl speed -bytes 1048576 sha256`).
#include "core/sha256.hpp"
#include "io/hdf5_file.hpp"

#include <string>
#include <vector>

namespace tractable {

inline constexpr const char* kSealAttribute = "tractable_sha256";

// The digest of `object` (a group or a dataset) as defined above, as a seal of `version` computes it (2, what
// seal() writes; 1 without maximum shapes); IoError when HDF5 cannot read it.
Sha256 content_digest(const Hdf5File& file, const std::string& object, int version = 2);

// Stores content_digest as the object's seal (replacing an earlier one).
void seal(Hdf5File& file, const std::string& object);

enum class SealState { intact, unsealed };

// `unsealed` for an object written before seals (no attribute); throws CorruptionError naming
// `where` (the file as the user knows it), the object and both digests when the content differs.
SealState check_seal(const Hdf5File& file, const std::string& object, const std::string& where);

// One finding of check_all_seals.
struct SealFinding {
  std::string object;  // e.g. /checkpoint (through the index's external link) or /samples/200
  std::string file;    // the file that holds it (a side file for linked objects)
  bool unsealed = false;  // a warning (written before seals), not a defect
  std::string message;    // empty for an intact seal
};

// Every seal reachable from "/" (through external links into side files), each checked; objects
// without a seal that no sealed ancestor covers are reported as unsealed. Unreadable objects and
// unresolvable links are findings too (message set), never exceptions.
std::vector<SealFinding> check_all_seals(const Hdf5File& file);

}  // namespace tractable
