#include "io/hdf5_file.hpp"

#include "core/durable_file.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tractable {

namespace {
struct SilenceHdf5Errors {
  SilenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
void silence() { static SilenceHdf5Errors once; }
}  // namespace

H5Handle& H5Handle::operator=(H5Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    closer_ = o.closer_;
    o.id_ = -1;
  }
  return *this;
}

void H5Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = -1;
}

template <> hid_t h5_native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t h5_native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t h5_native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t h5_native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t h5_native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t h5_native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }

// The core driver's buffer, taken over when HDF5 frees it at close: an image
// taken from an open file (H5Fget_file_image) carries a superblock still marked
// open, whose checksum HDF5 1.10 then rejects, and misses what the close itself
// writes (the persistent free-space sections); the closed file's buffer has
// both. The buffer is the file rounded up to the driver's 64 KiB increment;
// the tail is zeroed, and HDF5 reads a file longer than its end of file.
// A file opened from bytes we read hands the driver that very buffer (as
// H5LTopen_file_image does without copying): the property list shares it and
// the driver owns it, so a commit copies the run file once in, once out.
struct MemoryImage {
  char* source = nullptr;     // bytes read from disk, malloc'ed, until the driver takes them
  bool source_taken = false;
  std::size_t allocated = 0;  // size of the driver's file buffer
  char* closed = nullptr;     // the driver's buffer, ours after the close
  ~MemoryImage() {
    if (!source_taken) std::free(source);
    std::free(closed);
  }
};

namespace {
bool file_op(H5FD_file_image_op_t op) {
  return op == H5FD_FILE_IMAGE_OP_FILE_OPEN || op == H5FD_FILE_IMAGE_OP_FILE_RESIZE;
}
bool property_list_op(H5FD_file_image_op_t op) {
  return op == H5FD_FILE_IMAGE_OP_PROPERTY_LIST_SET || op == H5FD_FILE_IMAGE_OP_PROPERTY_LIST_COPY ||
         op == H5FD_FILE_IMAGE_OP_PROPERTY_LIST_GET || op == H5FD_FILE_IMAGE_OP_PROPERTY_LIST_CLOSE;
}
void* image_malloc(std::size_t size, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<MemoryImage*>(udata);
  if (image->source && !image->source_taken) {
    if (property_list_op(op)) return image->source;  // shared, never freed by the property lists
    if (op == H5FD_FILE_IMAGE_OP_FILE_OPEN) {        // the driver takes the buffer itself
      image->source_taken = true;
      image->allocated = size;
      return image->source;
    }
  }
  void* p = std::malloc(size);
  if (p && file_op(op)) {
    std::memset(p, 0, size);
    image->allocated = size;
  }
  return p;
}
void* image_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
  return dest == src ? dest : std::memcpy(dest, src, size);
}
void* image_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<MemoryImage*>(udata);
  void* p = std::realloc(ptr, size);
  if (p && file_op(op)) {
    if (size > image->allocated) std::memset(static_cast<char*>(p) + image->allocated, 0, size - image->allocated);
    image->allocated = size;
  }
  return p;
}
herr_t image_free(void* ptr, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<MemoryImage*>(udata);
  if (ptr && ptr == image->source && property_list_op(op)) return 0;  // the property lists' shared view
  if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE && ptr) {
    std::free(image->closed);
    image->closed = static_cast<char*>(ptr);  // kept: the image
    return 0;
  }
  std::free(ptr);
  return 0;
}
void* image_udata_copy(void* udata) { return udata; }
herr_t image_udata_free(void*) { return 0; }

H5Handle core_access(MemoryImage* image) {
  H5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(access.get(), 1 << 16, /*backing_store=*/0);
  H5FD_file_image_callbacks_t callbacks{image_malloc,     image_memcpy,     image_realloc, image_free,
                                        image_udata_copy, image_udata_free, image};
  H5Pset_file_image_callbacks(access.get(), &callbacks);
  return access;
}
H5Handle run_file_creation() {
  // Persist the free-space manager so that space freed by replacing a
  // checkpoint is reused by the next one instead of growing the file.
  H5Handle create_props(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_file_space_strategy(create_props.get(), H5F_FSPACE_STRATEGY_FSM_AGGR, 1, 1);
  return create_props;
}
}  // namespace

Hdf5File::Hdf5File(const std::string& path, Mode mode) : path_(path) {
  silence();
  hid_t id = -1;
  switch (mode) {
    case Mode::read_only:
    case Mode::read_write: {
      struct stat info;
      if (stat(path.c_str(), &info) != 0) throw IoError(path + ": no such file");
      if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path + ": not an HDF5 file (or it is corrupt)");
      id = H5Fopen(path.c_str(), mode == Mode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
      break;
    }
    case Mode::create_exclusive:
    case Mode::create_truncate: {
      const H5Handle create_props = run_file_creation();
      id = H5Fcreate(path.c_str(), mode == Mode::create_exclusive ? H5F_ACC_EXCL : H5F_ACC_TRUNC, create_props.get(),
                     H5P_DEFAULT);
      break;
    }
  }
  if (id < 0) {
    // A directory removed under a running job is a cause worth naming (docs/reference/run-file.md, the run file's fault
    // table), whichever open or create meets it first.
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::exists(parent, ec))
      throw IoError(path + ": cannot open or create: " + file_error_cause(ENOENT));
    throw IoError(path + ": cannot open or create the HDF5 file (check the path and permissions)");
  }
  file_ = H5Handle(id, H5Fclose);
}


Hdf5File Hdf5File::in_memory(const std::string& name) {
  silence();
  Hdf5File file;
  file.path_ = name;
  file.memory_ = std::make_shared<MemoryImage>();
  const H5Handle access = core_access(file.memory_.get()), creation = run_file_creation();
  const hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, creation.get(), access.get());
  if (id < 0) throw IoError(name + ": cannot create an HDF5 file in memory");
  file.file_ = H5Handle(id, H5Fclose);
  return file;
}

Hdf5File Hdf5File::in_memory_copy(const std::string& path, const std::string& name) {
  silence();
  Hdf5File file;
  file.path_ = name;
  file.memory_ = std::make_shared<MemoryImage>();
  std::size_t size = 0;
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(path + ": cannot open: " + file_error_cause(errno));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
      ::close(fd);
      throw IoError(path + ": not an HDF5 file (or it is corrupt)");
    }
    size = std::size_t(info.st_size);
    file.memory_->source = static_cast<char*>(std::malloc(size));
    if (!file.memory_->source) {
      ::close(fd);
      throw IoError(path + ": cannot load " + std::to_string(size) + " bytes into memory");
    }
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(fd, file.memory_->source + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : EIO;
        ::close(fd);
        throw IoError(path + ": cannot read: " + file_error_cause(error));
      }
      done += std::size_t(n);
    }
    ::close(fd);
  }
  const H5Handle access = core_access(file.memory_.get());
  if (H5Pset_file_image(access.get(), file.memory_->source, size) < 0) throw IoError(path + ": cannot load into memory");
  const hid_t id = H5Fopen(name.c_str(), H5F_ACC_RDWR, access.get());
  if (id < 0) throw IoError(path + ": not an HDF5 file (or it is corrupt)");
  file.file_ = H5Handle(id, H5Fclose);
  return file;
}

FileImage Hdf5File::image() {
  require(memory_ != nullptr, "Hdf5File::image: " + path_ + " is not held in memory");
  flush();
  const hid_t id = file_.release();
  if (H5Fclose(id) < 0 || !memory_->closed) fail("cannot take the image of", "/");
  FileImage out;
  out.bytes.reset(memory_->closed);
  out.length = memory_->allocated;
  memory_->closed = nullptr;
  return out;
}

void Hdf5File::fail(const std::string& what, const std::string& object) const {
  throw IoError(path_ + ": " + what + " '" + object + "'");
}

void Hdf5File::flush() {
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) fail("cannot flush", "/");
}

bool Hdf5File::exists(const std::string& object) const {
  // Check every prefix: H5Lexists fails if an intermediate group is missing.
  std::size_t pos = 0;
  while ((pos = object.find('/', pos + 1)) != std::string::npos)
    if (H5Lexists(file_.get(), object.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Lexists(file_.get(), object.c_str(), H5P_DEFAULT) > 0;
}

bool Hdf5File::is_group(const std::string& object) const {
  if (!exists(object)) return false;
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name3(file_.get(), object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
#else
  if (H5Oget_info_by_name(file_.get(), object.c_str(), &info, H5P_DEFAULT) < 0) return false;
#endif
  return info.type == H5O_TYPE_GROUP;
}

void Hdf5File::create_group(const std::string& group) {
  if (exists(group)) return;
  ensure_parent(group);
  H5Handle g(H5Gcreate2(file_.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!g.valid()) fail("cannot create group", group);
}

std::vector<std::string> Hdf5File::children(const std::string& group) const {
  std::vector<std::string> names;
  if (!exists(group) && group != "/") return names;
  H5Handle g(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.valid()) fail("not a group:", group);
  H5Literate(
      g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

void Hdf5File::ensure_parent(const std::string& object) {
  const auto slash = object.rfind('/');
  if (slash != std::string::npos && slash > 0) create_group(object.substr(0, slash));
}

void Hdf5File::remove(const std::string& object) {
  if (exists(object) && H5Ldelete(file_.get(), object.c_str(), H5P_DEFAULT) < 0) fail("cannot remove", object);
}

void Hdf5File::move(const std::string& from, const std::string& to) {
  ensure_parent(to);
  if (H5Lmove(file_.get(), from.c_str(), file_.get(), to.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
    fail("cannot move to '" + to + "':", from);
}

void Hdf5File::link_external(const std::string& object, const std::string& file, const std::string& target) {
  ensure_parent(object);
  remove(object);
  if (H5Lcreate_external(file.c_str(), target.c_str(), file_.get(), object.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
    fail("cannot create the external link to " + file + ":" + target + " at", object);
}

std::vector<std::string> Hdf5File::external_link_files() const {
  std::vector<std::string> files;
#if H5_VERSION_GE(1, 12, 0)
  using LinkInfo = H5L_info2_t;
#define TRACTABLE_H5LVISIT H5Lvisit2
#else
  using LinkInfo = H5L_info_t;
#define TRACTABLE_H5LVISIT H5Lvisit
#endif
  auto visit = [](hid_t group, const char* name, const LinkInfo* info, void* out) -> herr_t {
    if (info->type != H5L_TYPE_EXTERNAL) return 0;
    std::vector<char> value(info->u.val_size);
    const char *file = nullptr, *object = nullptr;
    unsigned flags = 0;
    if (H5Lget_val(group, name, value.data(), value.size(), H5P_DEFAULT) >= 0 &&
        H5Lunpack_elink_val(value.data(), value.size(), &flags, &file, &object) >= 0)
      static_cast<std::vector<std::string>*>(out)->emplace_back(file);
    return 0;
  };
  if (TRACTABLE_H5LVISIT(file_.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &files) < 0)
    fail("cannot list the links of", "/");
#undef TRACTABLE_H5LVISIT
  return files;
}

void Hdf5File::copy_expanded(const Hdf5File& source, const std::string& object) {
  ensure_parent(object);
  H5Handle options(H5Pcreate(H5P_OBJECT_COPY), H5Pclose);
  if (!options.valid() || H5Pset_copy_object(options.get(), H5O_COPY_EXPAND_EXT_LINK_FLAG) < 0 ||
      H5Ocopy(source.id(), object.c_str(), file_.get(), object.c_str(), options.get(), H5P_DEFAULT) < 0)
    fail("cannot copy '" + object + "' of " + source.path() + " (is a file of its .d directory missing?) to", object);
}

template <class T>
void Hdf5File::write(const std::string& object, const std::vector<T>& data, const std::vector<std::uint64_t>& dims) {
  std::vector<hsize_t> h(dims.begin(), dims.end());
  hsize_t count = 1;
  for (auto d : h) count *= d;
  require(count == data.size(), "Hdf5File::write('" + object + "'): dims do not match data size");
  remove(object);
  ensure_parent(object);
  H5Handle space(H5Screate_simple(static_cast<int>(h.size()), h.data(), nullptr), H5Sclose);
  H5Handle set(H5Dcreate2(file_.get(), object.c_str(), h5_native_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Dclose);
  if (!set.valid()) fail("cannot create dataset", object);
  if (count > 0 && H5Dwrite(set.get(), h5_native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    fail("cannot write dataset", object);
}

std::vector<std::uint64_t> Hdf5File::shape(const std::string& object) const {
  if (!exists(object)) fail("missing dataset", object);
  H5Handle set(H5Dopen2(file_.get(), object.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) fail("not a dataset:", object);
  H5Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot read the shape of", object);
  std::vector<hsize_t> h(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), h.data(), nullptr);
  return std::vector<std::uint64_t>(h.begin(), h.end());
}

template <class T>
std::vector<T> Hdf5File::read(const std::string& object, std::vector<std::uint64_t>* dims) const {
  const auto s = shape(object);
  std::uint64_t count = 1;
  for (auto d : s) count *= d;
  H5Handle set(H5Dopen2(file_.get(), object.c_str(), H5P_DEFAULT), H5Dclose);
  H5Handle type(H5Dget_type(set.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) fail("expected a numeric dataset, found another type at", object);
  std::vector<T> out(count);
  if (count > 0 && H5Dread(set.get(), h5_native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail("cannot read dataset", object);
  if (dims) *dims = s;
  return out;
}

void Hdf5File::write_string(const std::string& object, const std::string& text) {
  write_text(object, {text}, /*scalar=*/true);
}

void Hdf5File::write_strings(const std::string& object, const std::vector<std::string>& texts) {
  write_text(object, texts, /*scalar=*/false);
}

// Fixed-length strings (as wide as the longest, NUL-padded): the text lives in the dataset's own storage,
// where its seal covers it (io/hdf5_seal.hpp). A variable-length string lives in HDF5's global heap, whose
// damaged references HDF5 1.10 follows without a bounds check (a crash in H5HG_read, not an error).
// Readers take both (read_strings; h5py's .asstr()), so files written before read as they did.
void Hdf5File::write_text(const std::string& object, const std::vector<std::string>& texts, bool scalar) {
  remove(object);
  ensure_parent(object);
  std::size_t width = 1;
  for (const auto& t : texts) width = std::max(width, t.size());
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  hsize_t n = texts.size();
  H5Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle set(H5Dcreate2(file_.get(), object.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose);
  if (!set.valid()) fail("cannot create string dataset", object);
  std::vector<char> buffer(width * texts.size(), '\0');
  for (std::size_t i = 0; i < texts.size(); ++i) std::copy(texts[i].begin(), texts[i].end(), buffer.begin() + i * width);
  if (!texts.empty() && H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
    fail("cannot write string dataset", object);
}

std::vector<std::string> Hdf5File::read_strings(const std::string& object) const {
  if (!exists(object)) fail("missing dataset", object);
  H5Handle set(H5Dopen2(file_.get(), object.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) fail("not a dataset:", object);
  H5Handle file_type(H5Dget_type(set.get()), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_STRING) fail("expected a string dataset at", object);
  H5Handle space(H5Dget_space(set.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (H5Tis_variable_str(file_type.get()) > 0) {
    H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5Tget_cset(file_type.get()));  // HDF5 will not convert ASCII <-> UTF-8
    std::vector<char*> pointers(static_cast<std::size_t>(n), nullptr);
    if (H5Dread(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
      fail("cannot read string dataset", object);
    for (char* p : pointers) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, pointers.data());
  } else {
    const std::size_t width = H5Tget_size(file_type.get());
    std::vector<char> buffer(width * static_cast<std::size_t>(n));
    if (H5Dread(set.get(), file_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
      fail("cannot read string dataset", object);
    for (hssize_t i = 0; i < n; ++i) {
      const char* p = buffer.data() + width * static_cast<std::size_t>(i);
      std::size_t len = 0;
      while (len < width && p[len]) ++len;
      out.emplace_back(p, len);
    }
  }
  return out;
}

std::string Hdf5File::read_string(const std::string& object) const {
  const auto texts = read_strings(object);
  if (texts.size() != 1) fail("expected one string at", object);
  return texts[0];
}

template <class T>
void Hdf5File::append(const std::string& object, const std::vector<T>& values) {
  if (!exists(object)) {
    ensure_parent(object);
    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 256;
    H5Handle space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
    H5Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(props.get(), 1, &chunk);
    H5Handle set(H5Dcreate2(file_.get(), object.c_str(), h5_native_type<T>(), space.get(), H5P_DEFAULT, props.get(),
                            H5P_DEFAULT),
                 H5Dclose);
    if (!set.valid()) fail("cannot create extendible dataset", object);
  }
  if (values.empty()) return;
  H5Handle set(H5Dopen2(file_.get(), object.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) fail("cannot open dataset", object);
  hsize_t old_size = 0;
  {
    H5Handle space(H5Dget_space(set.get()), H5Sclose);
    H5Sget_simple_extent_dims(space.get(), &old_size, nullptr);
  }
  hsize_t new_size = old_size + values.size(), count = values.size();
  if (H5Dset_extent(set.get(), &new_size) < 0) fail("cannot extend dataset", object);
  H5Handle file_space(H5Dget_space(set.get()), H5Sclose);
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &old_size, nullptr, &count, nullptr);
  H5Handle memory_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  if (H5Dwrite(set.get(), h5_native_type<T>(), memory_space.get(), file_space.get(), H5P_DEFAULT, values.data()) < 0)
    fail("cannot append to dataset", object);
}

namespace {
H5Handle open_object(hid_t file, const std::string& object) {
  return H5Handle(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
}
template <class T>
void write_attribute(hid_t file, const std::string& object, const std::string& name, hid_t type, const T* value,
                     const std::string& path) {
  H5Handle o = open_object(file, object);
  if (!o.valid()) throw IoError(path + ": cannot open '" + object + "' to set attribute '" + name + "'");
  if (H5Aexists(o.get(), name.c_str()) > 0) H5Adelete(o.get(), name.c_str());
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle a(H5Acreate2(o.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.valid() || H5Awrite(a.get(), type, value) < 0)
    throw IoError(path + ": cannot write attribute '" + name + "' of '" + object + "'");
}
}  // namespace

void Hdf5File::set_attribute(const std::string& object, const std::string& name, const std::string& value) {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const char* p = value.c_str();
  write_attribute(file_.get(), object, name, type.get(), &p, path_);
}
void Hdf5File::set_attribute(const std::string& object, const std::string& name, double value) {
  write_attribute(file_.get(), object, name, H5T_NATIVE_DOUBLE, &value, path_);
}
void Hdf5File::set_attribute(const std::string& object, const std::string& name, std::int64_t value) {
  write_attribute(file_.get(), object, name, H5T_NATIVE_INT64, &value, path_);
}

bool Hdf5File::has_attribute(const std::string& object, const std::string& name) const {
  if (!exists(object) && object != "/") return false;
  H5Handle o = open_object(file_.get(), object);
  return o.valid() && H5Aexists(o.get(), name.c_str()) > 0;
}

namespace {
H5Handle open_attribute(hid_t file, const std::string& object, const std::string& name, const std::string& path) {
  H5Handle o = open_object(file, object);
  if (!o.valid() || H5Aexists(o.get(), name.c_str()) <= 0)
    throw IoError(path + ": missing attribute '" + name + "' on '" + object + "'");
  return H5Handle(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
}
}  // namespace

std::string Hdf5File::string_attribute(const std::string& object, const std::string& name) const {
  H5Handle a = open_attribute(file_.get(), object, name, path_);
  H5Handle file_type(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_STRING)
    throw IoError(path_ + ": attribute '" + name + "' of '" + object + "' is not a string");
  if (H5Tis_variable_str(file_type.get()) > 0) {
    H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5Tget_cset(file_type.get()));
    char* p = nullptr;
    if (H5Aread(a.get(), type.get(), &p) < 0) throw IoError(path_ + ": cannot read attribute '" + name + "'");
    std::string out = p ? p : "";
    H5free_memory(p);
    return out;
  }
  std::vector<char> buffer(H5Tget_size(file_type.get()) + 1, 0);
  if (H5Aread(a.get(), file_type.get(), buffer.data()) < 0)
    throw IoError(path_ + ": cannot read attribute '" + name + "'");
  return std::string(buffer.data());
}

double Hdf5File::double_attribute(const std::string& object, const std::string& name) const {
  H5Handle a = open_attribute(file_.get(), object, name, path_);
  double v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0) throw IoError(path_ + ": cannot read attribute '" + name + "'");
  return v;
}

std::int64_t Hdf5File::int_attribute(const std::string& object, const std::string& name) const {
  H5Handle a = open_attribute(file_.get(), object, name, path_);
  std::int64_t v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0) throw IoError(path_ + ": cannot read attribute '" + name + "'");
  return v;
}

#define TRACTABLE_HDF5_INSTANTIATE(T)                                                                          \
  template void Hdf5File::write<T>(const std::string&, const std::vector<T>&, const std::vector<std::uint64_t>&); \
  template std::vector<T> Hdf5File::read<T>(const std::string&, std::vector<std::uint64_t>*) const;             \
  template void Hdf5File::append<T>(const std::string&, const std::vector<T>&);
TRACTABLE_HDF5_INSTANTIATE(double)
TRACTABLE_HDF5_INSTANTIATE(float)
TRACTABLE_HDF5_INSTANTIATE(std::int64_t)
TRACTABLE_HDF5_INSTANTIATE(std::uint64_t)
TRACTABLE_HDF5_INSTANTIATE(std::int32_t)
TRACTABLE_HDF5_INSTANTIATE(std::uint8_t)
#undef TRACTABLE_HDF5_INSTANTIATE

void write_hdf5_durably(const std::string& path, const std::function<void(Hdf5File&)>& fill, const std::string& partial,
                        const std::string& copy_of) {
  const std::string name = partial.empty() ? path + ".partial" : partial;
  FileImage image;
  {
    Hdf5File file = copy_of.empty() ? Hdf5File::in_memory(name) : Hdf5File::in_memory_copy(copy_of, name);
    fill(file);
    image = file.image();
  }
  replace_file_durably(path, image.data(), image.size(), name);
}

}  // namespace tractable
