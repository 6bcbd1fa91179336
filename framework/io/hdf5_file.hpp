#pragma once
// A thin RAII layer over the HDF5 C API: open/create files, write and read
// whole arrays, scalar strings and attributes by path, and grow 1-D
// extendible datasets. Every failure becomes an IoError naming the file and
// the object, never an HDF5 error stack on stderr.
#include <hdf5.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tractable {

// Owns one hid_t and closes it with the matching H5?close.
class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Handle(H5Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
  H5Handle& operator=(H5Handle&& o) noexcept;
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  // Gives up ownership without closing (the caller closes and checks the result).
  hid_t release() {
    const hid_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

template <class T> hid_t h5_native_type();

// The bytes of an in-memory HDF5 file (malloc'ed by the core driver; handed over, not copied).
struct FileImage {
  std::unique_ptr<char, void (*)(void*)> bytes{nullptr, std::free};
  std::size_t length = 0;
  const char* data() const { return bytes.get(); }
  std::size_t size() const { return length; }
};

class Hdf5File {
 public:
  enum class Mode { read_only, read_write, create_exclusive, create_truncate };
  Hdf5File(const std::string& path, Mode mode);

  // Files held in memory (HDF5's core driver, no backing store): no disk I/O
  // until image() is written out by the caller, so a full disk or a vanished
  // directory can fail only that one write, never HDF5 itself. `name` is what
  // errors call the file.
  static Hdf5File in_memory(const std::string& name);
  // A copy of the file at `path` (read whole, errors naming it), modified in memory only.
  static Hdf5File in_memory_copy(const std::string& path, const std::string& name);
  // The file's bytes, as they would be on disk; closes it (in-memory files only).
  FileImage image();
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }
  void flush();
  void close() { file_.reset(); }

  bool exists(const std::string& object) const;
  bool is_group(const std::string& object) const;
  void create_group(const std::string& group);  // creates intermediate groups too
  void remove(const std::string& object);
  std::vector<std::string> children(const std::string& group) const;  // link names, sorted       // unlink (no error if absent)
  void move(const std::string& from, const std::string& to);

  // An external link `object` -> `file`:`target` (replacing a link of that name; the file need not
  // exist yet). A relative `file` is found beside this file (HDF5 looks in the linking file's directory).
  void link_external(const std::string& object, const std::string& file, const std::string& target);
  // The file names of every external link in the file, recursively (links are not followed).
  std::vector<std::string> external_link_files() const;
  // Copies `object` of `source` (following external links, and expanding those inside it) to the
  // same path here: what turns a run file and its side files into one file.
  void copy_expanded(const Hdf5File& source, const std::string& object);

  // Whole arrays; `dims` gives the shape (product = data.size()).
  template <class T>
  void write(const std::string& object, const std::vector<T>& data, const std::vector<std::uint64_t>& dims);
  template <class T>
  std::vector<T> read(const std::string& object, std::vector<std::uint64_t>* dims = nullptr) const;
  std::vector<std::uint64_t> shape(const std::string& object) const;

  void write_string(const std::string& object, const std::string& text);
  std::string read_string(const std::string& object) const;
  void write_strings(const std::string& object, const std::vector<std::string>& texts);
  std::vector<std::string> read_strings(const std::string& object) const;

  // 1-D datasets that grow along their only axis (chunked, unlimited).
  template <class T>
  void append(const std::string& object, const std::vector<T>& values);

  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, double value);
  void set_attribute(const std::string& object, const std::string& name, std::int64_t value);
  std::string string_attribute(const std::string& object, const std::string& name) const;
  double double_attribute(const std::string& object, const std::string& name) const;
  std::int64_t int_attribute(const std::string& object, const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;

 private:
  Hdf5File() = default;
  [[noreturn]] void fail(const std::string& what, const std::string& object) const;
  void ensure_parent(const std::string& object);
  void write_text(const std::string& object, const std::vector<std::string>& texts, bool scalar);

  std::string path_;
  std::shared_ptr<struct MemoryImage> memory_;  // in-memory files: the image HDF5 hands back on close
  H5Handle file_;                               // declared last: closed first
};

// Replaces `path` whole with an HDF5 file built in memory by `fill` (starting
// from a copy of the file at `copy_of` when that is given): written as
// `partial` (default `<path>.partial`), fsynced and renamed
// (core/durable_file.hpp), so a failing file system fails one write, named.
void write_hdf5_durably(const std::string& path, const std::function<void(Hdf5File&)>& fill,
                        const std::string& partial = "", const std::string& copy_of = "");

}  // namespace tractable
