#include "io/hdf5_seal.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

namespace tractable {

namespace {

#if H5_VERSION_GE(1, 12, 0)
using LinkInfo = H5L_info2_t;
#define TRACTABLE_H5LITERATE H5Literate2
#define TRACTABLE_VLEN_RECLAIM H5Treclaim
#else
using LinkInfo = H5L_info_t;
#define TRACTABLE_H5LITERATE H5Literate
#define TRACTABLE_VLEN_RECLAIM H5Dvlen_reclaim
#endif

// Every field is length- or tag-prefixed, so no two different contents feed the same bytes.
class Feed {
 public:
  explicit Feed(int version) : version(version) {}
  const int version;  // of the seal being computed: 2 also covers a dataset's maximum extent
  void bytes(const void* data, std::size_t size) {
    number(size);
    hasher_.update(data, size);
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  void raw(const void* data, std::size_t size) { hasher_.update(data, size); }  // after number(total size)
  void number(std::uint64_t v) { hasher_.update(&v, sizeof v); }
  Sha256 digest() { return hasher_.digest(); }

 private:
  Sha256Hasher hasher_;
};

[[noreturn]] void unreadable(const std::string& where, const std::string& object, const std::string& what) {
  throw IoError(where + ": cannot read " + what + " of '" + object + "' (the file is damaged)");
}

std::string child_path(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

// The seal stored on an open object, if any: fixed-length text as seal() writes it; anything else (another
// type, unreadable) reads as "" and so fails the comparison.
std::optional<std::string> stored_seal(hid_t object) {
  if (H5Aexists(object, kSealAttribute) <= 0) return std::nullopt;
  H5Handle attribute(H5Aopen(object, kSealAttribute, H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(attribute.get()), H5Tclose);
  if (!attribute.valid() || !type.valid() || H5Tget_class(type.get()) != H5T_STRING ||
      H5Tis_variable_str(type.get()) != 0)
    return std::string();
  std::string out(H5Tget_size(type.get()), '\0');
  if (H5Aread(attribute.get(), type.get(), out.data()) < 0) return std::string();
  return out.substr(0, out.find('\0'));
}

// A dataset's fixed-size values in slabs of whole rows of about 1 MiB, each hashed while it is in cache:
// the same bytes as one read of the whole (the digest does not depend on the slab size), at the speed of
// SHA-256 rather than of a second pass over memory.
void feed_rows(Feed& feed, hid_t dataset, hid_t type, hid_t space, const std::vector<hsize_t>& dims, std::size_t size,
               const std::string& where, const std::string& object) {
  std::size_t row_bytes = size;
  for (std::size_t k = 1; k < dims.size(); ++k) row_bytes *= dims[k];
  const hsize_t rows = dims[0];
  feed.number(row_bytes * rows);
  if (rows == 0 || row_bytes == 0) return;
  const hsize_t block = std::max<hsize_t>(1, (std::size_t(1) << 20) / row_bytes);
  std::unique_ptr<unsigned char[]> buffer(new unsigned char[std::min(block, rows) * row_bytes]);
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  for (hsize_t first = 0; first < rows; first += block) {
    start[0] = first;
    count[0] = std::min(block, rows - first);
    H5Handle memory(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
        H5Dread(dataset, type, memory.get(), space, H5P_DEFAULT, buffer.get()) < 0)
      unreadable(where, object, "the values");
    feed.raw(buffer.get(), count[0] * row_bytes);
  }
}

// Type class, shape and values of a dataset or an attribute; `read(memory_type, buffer)` reads it whole
// (`dataset` ≥ 0: a dataset, read in slabs of rows).
template <class Read>
void feed_values(Feed& feed, hid_t file_type, hid_t space, Read read, const std::string& where,
                 const std::string& object, hid_t dataset = -1) {
  const H5T_class_t cls = H5Tget_class(file_type);
  const int rank = H5Sget_simple_extent_ndims(space);
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (cls < 0 || rank < 0 || count < 0) unreadable(where, object, "the type or shape");
  feed.number(static_cast<std::uint64_t>(cls));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  feed.number(static_cast<std::uint64_t>(rank));
  for (auto d : dims) feed.number(d);
  if (dataset >= 0 && feed.version >= 2) {
    // A dataset's maximum extent (H5S_UNLIMITED for a growing one): no value depends on it, but a corrupted one
    // makes the next append fail or changes what h5dump shows, so version 2 seals it too.
    std::vector<hsize_t> maxdims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space, nullptr, maxdims.data()) < 0)
      unreadable(where, object, "the maximum shape");
    for (auto d : maxdims) feed.number(d);
  }
  const auto n = static_cast<std::size_t>(count);
  if (cls == H5T_STRING && H5Tis_variable_str(file_type) > 0) {
    H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5Tget_cset(file_type));  // HDF5 will not convert ASCII <-> UTF-8
    std::vector<char*> texts(n, nullptr);
    if (n > 0 && read(type.get(), texts.data()) < 0) unreadable(where, object, "the strings");
    for (const char* t : texts) {
      feed.number(t ? 1 : 0);
      if (t) feed.text(t);
    }
    if (n > 0) TRACTABLE_VLEN_RECLAIM(type.get(), space, H5P_DEFAULT, texts.data());
    return;
  }
  // Fixed-size values (numbers, fixed-length strings) as the native type reads them.
  H5Handle type(cls == H5T_STRING ? H5Tcopy(file_type) : H5Tget_native_type(file_type, H5T_DIR_ASCEND), H5Tclose);
  if (!type.valid()) unreadable(where, object, "the type");
  const std::size_t size = H5Tget_size(type.get());
  feed.number(size);
  feed.number(cls == H5T_INTEGER ? static_cast<std::uint64_t>(H5Tget_sign(type.get())) : 0);
  if (dataset >= 0 && rank >= 1) return feed_rows(feed, dataset, type.get(), space, dims, size, where, object);
  std::vector<unsigned char> values(n * size);
  if (n > 0 && read(type.get(), values.data()) < 0) unreadable(where, object, "the values");
  feed.bytes(values.data(), values.size());
}

std::vector<std::string> attribute_names(hid_t object) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  hsize_t position = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &position, collect, &names) < 0)
    throw IoError("cannot list attributes");
  return names;
}

struct Link {
  std::string name;
  H5L_type_t type;
  std::string file, target;  // external links: where they point; soft links: target only
};

std::vector<Link> links_of(hid_t group, const std::string& where, const std::string& object) {
  std::vector<Link> links;
  auto collect = [](hid_t g, const char* name, const LinkInfo* info, void* out) -> herr_t {
    Link link{name, info->type, {}, {}};
    if (info->type == H5L_TYPE_EXTERNAL || info->type == H5L_TYPE_SOFT) {
      std::vector<char> value(info->u.val_size);
      if (H5Lget_val(g, name, value.data(), value.size(), H5P_DEFAULT) < 0) return -1;
      if (info->type == H5L_TYPE_SOFT) {
        link.target.assign(value.data(), value.size());
      } else {
        const char *file = nullptr, *target = nullptr;
        unsigned flags = 0;
        if (H5Lunpack_elink_val(value.data(), value.size(), &flags, &file, &target) < 0) return -1;
        link.file = file;
        link.target = target;
      }
    }
    static_cast<std::vector<Link>*>(out)->push_back(std::move(link));
    return 0;
  };
  if (TRACTABLE_H5LITERATE(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &links) < 0)
    unreadable(where, object, "the links");
  return links;
}

void feed_object(Feed& feed, hid_t object, const std::string& where, const std::string& path) {
  // Attributes in name order, the seal itself left out.
  std::vector<std::string> names;
  try {
    names = attribute_names(object);
  } catch (const IoError&) {
    unreadable(where, path, "the attributes");
  }
  for (const auto& name : names) {
    if (name == kSealAttribute) continue;
    H5Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    H5Handle type(H5Aget_type(attribute.get()), H5Tclose);
    H5Handle space(H5Aget_space(attribute.get()), H5Sclose);
    if (!attribute.valid() || !type.valid() || !space.valid()) unreadable(where, path, "attribute '" + name + "'");
    feed.text(name);
    feed_values(
        feed, type.get(), space.get(), [&](hid_t memory, void* out) { return H5Aread(attribute.get(), memory, out); },
        where, path + " attribute '" + name + "'");
  }
  const H5I_type_t kind = H5Iget_type(object);
  if (kind == H5I_DATASET) {
    H5Handle type(H5Dget_type(object), H5Tclose);
    H5Handle space(H5Dget_space(object), H5Sclose);
    if (!type.valid() || !space.valid()) unreadable(where, path, "the type or shape");
    feed.text("dataset");
    feed_values(
        feed, type.get(), space.get(),
        [&](hid_t memory, void* out) { return H5Dread(object, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, out); }, where,
        path, object);
    return;
  }
  if (kind != H5I_GROUP) {
    feed.text("other");
    return;
  }
  feed.text("group");
  for (const auto& link : links_of(object, where, path)) {
    feed.text(link.name);
    if (link.type == H5L_TYPE_EXTERNAL) {
      feed.text("external");
      feed.text(link.file);
      feed.text(link.target);
      continue;
    }
    if (link.type != H5L_TYPE_HARD) {
      feed.text("soft");
      feed.text(link.target);
      continue;
    }
    const std::string child_name = child_path(path, link.name);
    H5Handle child(H5Oopen(object, link.name.c_str(), H5P_DEFAULT), H5Oclose);
    if (!child.valid()) unreadable(where, child_name, "the object");
    if (const auto sealed = stored_seal(child.get())) {
      feed.text("sealed");  // checked on its own: here only which content it vouches for
      feed.text(*sealed);
    } else {
      feed.text("object");
      feed_object(feed, child.get(), where, child_name);
    }
  }
}

Sha256 digest_of(hid_t object, const std::string& where, const std::string& path, int version) {
  Feed feed(version);
  feed_object(feed, object, where, path);
  return feed.digest();
}

// A seal as stored: version 1 is the bare hex digest (seals written before maximum extents were covered,
// still checked as they were made); version 2 is "v2:" and the digest.
constexpr int kSealVersion = 2;
std::string seal_text(const Sha256& digest, int version) {
  return (version >= 2 ? "v" + std::to_string(version) + ":" : std::string()) + hex(digest);
}
int seal_version(const std::string& stored) { return stored.rfind("v2:", 0) == 0 ? 2 : 1; }

// The object's seal now, in the version of the one stored.
std::string computed_seal(hid_t object, const std::string& where, const std::string& path, const std::string& stored) {
  const int version = seal_version(stored);
  return seal_text(digest_of(object, where, path, version), version);
}

H5Handle open_object(const Hdf5File& file, const std::string& object) {
  H5Handle handle(H5Oopen(file.id(), object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!handle.valid()) throw IoError(file.path() + ": cannot open '" + object + "' (missing, or the file is damaged)");
  return handle;
}

std::string mismatch(const std::string& where, const std::string& object, const std::string& stored,
                     const std::string& computed) {
  return where + ": '" + object + "' fails its checksum (stored sha256 " + stored.substr(0, 19) +
         "…, content now " + computed.substr(0, 19) + "…): the file was corrupted after it was written";
}

}  // namespace

Sha256 content_digest(const Hdf5File& file, const std::string& object, int version) {
  const H5Handle handle = open_object(file, object);
  return digest_of(handle.get(), file.path(), object, version);
}

void seal(Hdf5File& file, const std::string& object) {
  const std::string digest = seal_text(content_digest(file, object), kSealVersion);
  // Fixed-length (67 characters) like every string a side file holds: no global-heap reference to damage.
  const H5Handle handle = open_object(file, object);
  if (H5Aexists(handle.get(), kSealAttribute) > 0) H5Adelete(handle.get(), kSealAttribute);
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), digest.size());
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attribute(H5Acreate2(handle.get(), kSealAttribute, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
  if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), digest.data()) < 0)
    throw IoError(file.path() + ": cannot write the checksum of '" + object + "'");
}

SealState check_seal(const Hdf5File& file, const std::string& object, const std::string& where) {
  const H5Handle handle = open_object(file, object);
  const auto stored = stored_seal(handle.get());
  if (!stored) return SealState::unsealed;
  const std::string computed = computed_seal(handle.get(), where, object, *stored);
  if (computed != *stored) throw CorruptionError(mismatch(where, object, *stored, computed));
  return SealState::intact;
}

namespace {

struct SealWalk {
  std::vector<SealFinding>& findings;

  void visit(hid_t object, const std::string& path, const std::string& file, bool covered) {
    if (const auto stored = stored_seal(object)) {
      SealFinding finding{path, file, false, ""};
      try {
        const std::string computed = computed_seal(object, file, path, *stored);
        if (computed != *stored) finding.message = mismatch(file, path, *stored, computed);
      } catch (const Error& e) {
        finding.message = e.what();
      }
      findings.push_back(finding);
      if (!finding.message.empty()) return;  // what lies below is part of the defect
      covered = true;
    } else if (!covered) {
      findings.push_back({path, file, true, ""});
      covered = true;  // one warning for an unsealed tree, not one per object
    }
    if (H5Iget_type(object) != H5I_GROUP) return;
    std::vector<Link> links;
    try {
      links = links_of(object, file, path);
    } catch (const Error& e) {
      findings.push_back({path, file, false, e.what()});
      return;
    }
    for (const auto& link : links) {
      const std::string child_name = child_path(path, link.name);
      if (link.type == H5L_TYPE_SOFT) continue;
      const bool external = link.type == H5L_TYPE_EXTERNAL;
      // HDF5 finds a relative external file beside the linking file; name it so.
      const std::string child_file =
          external ? (std::filesystem::path(file).parent_path() / link.file).lexically_normal().string() : file;
      H5Handle child(H5Oopen(object, link.name.c_str(), H5P_DEFAULT), H5Oclose);
      if (!child.valid()) {
        findings.push_back({child_name, child_file, false,
                            external ? file + ": the link '" + child_name + "' does not resolve (" + link.file + ":" +
                                           link.target + " is missing or unreadable)"
                                     : file + ": cannot open '" + child_name + "' (the file is damaged)"});
        continue;
      }
      // A linked side file is vouched for by its own seals, not by the link's text in the index.
      visit(child.get(), child_name, child_file, external ? false : covered);
    }
  }
};

}  // namespace

std::vector<SealFinding> check_all_seals(const Hdf5File& file) {
  std::vector<SealFinding> findings;
  H5Handle root(H5Oopen(file.id(), "/", H5P_DEFAULT), H5Oclose);
  if (!root.valid()) return {{"/", file.path(), false, file.path() + ": cannot open '/' (the file is damaged)"}};
  SealWalk{findings}.visit(root.get(), "/", file.path(), false);
  return findings;
}

}  // namespace tractable
