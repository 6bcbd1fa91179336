// Seals (io/hdf5_seal.hpp) and data fingerprints (experiment/data_fingerprint.hpp)
// against ground truth: what changes a digest (every value, shape, type,
// attribute and link a reader sees) and what does not (the seal itself, the
// order of writing, a sealed child's content), the SHA-256 of a file against
// OpenSSL's one-shot digest of its bytes, and the messages that name the place.
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "experiment/data_fingerprint.hpp"
#include "io/hdf5_file.hpp"
#include "io/hdf5_seal.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

using namespace tractable;

namespace {

// A small tree: a group with attributes, numbers, strings and a nested group.
Hdf5File sample_file(const std::function<void(Hdf5File&)>& change = {}) {
  Hdf5File f = Hdf5File::in_memory("sample.h5");
  f.create_group("/g");
  f.set_attribute("/g", "step", std::int64_t(200));
  f.set_attribute("/g", "rate", 0.5);
  f.set_attribute("/g", "kind", std::string("flow"));
  f.write<float>("/g/parameters", {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  f.write_strings("/g/names", {"a.weight", "a.bias"});
  f.write<std::int64_t>("/g/inner/offsets", {0, 4}, {2});
  if (change) change(f);
  return f;
}

std::string digest_of(const std::function<void(Hdf5File&)>& change = {}) {
  Hdf5File f = sample_file(change);
  return hex(content_digest(f, "/g"));
}

// A seal as an older Tractable wrote it: fixed-length text (what seal() writes), here a version-1 digest.
void write_old_seal(Hdf5File& f, const std::string& object, const std::string& text) {
  H5Handle handle(H5Oopen(f.id(), object.c_str(), H5P_DEFAULT), H5Oclose);
  if (H5Aexists(handle.get(), kSealAttribute) > 0) H5Adelete(handle.get(), kSealAttribute);
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), text.size());
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attribute(H5Acreate2(handle.get(), kSealAttribute, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
  REQUIRE(H5Awrite(attribute.get(), type.get(), text.data()) >= 0);
}

}  // namespace

TEST_CASE("seal: every value, shape, type, attribute and name a reader sees is in the digest", "[io][integrity]") {
  const std::string base = digest_of();
  CHECK(base == digest_of());  // deterministic
  const std::pair<const char*, std::function<void(Hdf5File&)>> changes[] = {
      {"one value", [](Hdf5File& f) { f.write<float>("/g/parameters", {1.f, 2.f, 3.f, 4.f, 5.f, 6.0001f}, {2, 3}); }},
      {"the shape", [](Hdf5File& f) { f.write<float>("/g/parameters", {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {3, 2}); }},
      {"the type", [](Hdf5File& f) { f.write<double>("/g/parameters", {1, 2, 3, 4, 5, 6}, {2, 3}); }},
      {"an integer attribute", [](Hdf5File& f) { f.set_attribute("/g", "step", std::int64_t(201)); }},
      {"a float attribute", [](Hdf5File& f) { f.set_attribute("/g", "rate", 0.5000001); }},
      {"a string attribute", [](Hdf5File& f) { f.set_attribute("/g", "kind", std::string("vae")); }},
      {"a new attribute", [](Hdf5File& f) { f.set_attribute("/g", "extra", 1.0); }},
      {"a string", [](Hdf5File& f) { f.write_strings("/g/names", {"a.weight", "a.bias2"}); }},
      {"a nested value", [](Hdf5File& f) { f.write<std::int64_t>("/g/inner/offsets", {0, 5}, {2}); }},
      {"a new dataset", [](Hdf5File& f) { f.write<float>("/g/more", {0.f}, {1}); }},
      {"a removed dataset", [](Hdf5File& f) { f.remove("/g/inner/offsets"); }},
      {"a renamed dataset", [](Hdf5File& f) { f.move("/g/names", "/g/names2"); }},
      {"an external link's target",
       [](Hdf5File& f) { f.link_external("/g/linked", "other.h5", "/x"); }},
  };
  for (const auto& [what, change] : changes) {
    INFO(what);
    CHECK(digest_of(change) != base);
  }
}

TEST_CASE("seal: the seal itself, write order and a sealed child's content do not change a parent's digest",
          "[io][integrity]") {
  Hdf5File a = sample_file();
  const Sha256 before = content_digest(a, "/g");
  seal(a, "/g");
  CHECK(content_digest(a, "/g") == before);  // the seal attribute is left out
  CHECK(check_seal(a, "/g", "a") == SealState::intact);
  // Attributes written in another order: the same content.
  Hdf5File b = Hdf5File::in_memory("b.h5");
  b.create_group("/g");
  b.write<std::int64_t>("/g/inner/offsets", {0, 4}, {2});
  b.write_strings("/g/names", {"a.weight", "a.bias"});
  b.write<float>("/g/parameters", {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  b.set_attribute("/g", "kind", std::string("flow"));
  b.set_attribute("/g", "rate", 0.5);
  b.set_attribute("/g", "step", std::int64_t(200));
  CHECK(content_digest(b, "/g") == before);
  // A sealed child counts by its seal: the parent vouches for which content, the child is checked on its own.
  seal(a, "/g/inner");
  seal(a, "/");
  CHECK(check_seal(a, "/", "a") == SealState::intact);
}

TEST_CASE("seal: a changed object fails its check, naming the place; an unsealed one is reported as such",
          "[io][integrity]") {
  Hdf5File f = sample_file();
  CHECK(check_seal(f, "/g", "sample.h5") == SealState::unsealed);
  seal(f, "/g");
  f.write<float>("/g/parameters", {1.f, 2.f, 3.f, 4.f, 5.f, 7.f}, {2, 3});
  CHECK_THROWS_AS(check_seal(f, "/g", "RUN.h5.d/checkpoint-3.h5"), CorruptionError);
  CHECK_THROWS_WITH(check_seal(f, "/g", "RUN.h5.d/checkpoint-3.h5"),
                    Catch::Contains("RUN.h5.d/checkpoint-3.h5") && Catch::Contains("'/g' fails its checksum"));
  // check_all_seals: the damaged object is a finding with a message, never an exception.
  const auto findings = check_all_seals(f);
  const auto damaged = std::find_if(findings.begin(), findings.end(), [](const SealFinding& s) { return s.object == "/g"; });
  REQUIRE(damaged != findings.end());
  CHECK_FALSE(damaged->message.empty());
  const auto root = std::find_if(findings.begin(), findings.end(), [](const SealFinding& s) { return s.object == "/"; });
  REQUIRE(root != findings.end());
  CHECK(root->unsealed);  // "/" carries no seal here
}

TEST_CASE("seal: version 2 covers a dataset's maximum shape; a version-1 seal is checked as it was made",
          "[io][integrity]") {
  // The same values in a fixed and in a growing (chunked, unlimited) dataset: one digest in version 1, two in 2.
  Hdf5File fixed = Hdf5File::in_memory("fixed.h5");
  fixed.create_group("/g");
  fixed.write<double>("/g/x", {1, 2}, {2});
  Hdf5File growing = Hdf5File::in_memory("growing.h5");
  growing.create_group("/g");
  growing.append<double>("/g/x", {1, 2});
  CHECK(content_digest(fixed, "/g", 1) == content_digest(growing, "/g", 1));
  CHECK(content_digest(fixed, "/g") != content_digest(growing, "/g"));
  seal(growing, "/g");
  CHECK(growing.string_attribute("/g", kSealAttribute) == "v2:" + hex(content_digest(growing, "/g")));
  CHECK(check_seal(growing, "/g", "growing.h5") == SealState::intact);
  // A run file sealed before version 2: intact while its content holds, caught when a value changes.
  write_old_seal(fixed, "/g", hex(content_digest(fixed, "/g", 1)));
  CHECK(check_seal(fixed, "/g", "old.h5") == SealState::intact);
  fixed.write<double>("/g/x", {1, 3}, {2});
  CHECK_THROWS_AS(check_seal(fixed, "/g", "old.h5"), CorruptionError);
}

TEST_CASE("hdf5: string datasets are fixed-length (no heap references) and read back exactly", "[io][integrity]") {
  Hdf5File f = Hdf5File::in_memory("strings.h5");
  const std::vector<std::string> texts{"", "x", "flow.0.conditioner.linear0.weight", "ünïcode"};
  f.write_strings("/names", texts);
  f.write_string("/spec", "{\"a\": 1}");
  CHECK(f.read_strings("/names") == texts);
  CHECK(f.read_string("/spec") == "{\"a\": 1}");
  H5Handle set(H5Dopen2(f.id(), "/names", H5P_DEFAULT), H5Dclose);
  H5Handle type(H5Dget_type(set.get()), H5Tclose);
  CHECK(H5Tis_variable_str(type.get()) == 0);
}

TEST_CASE("data fingerprint: a file's SHA-256 of its bytes, rows by value, changes named", "[data][integrity]") {
  const std::string path = (std::filesystem::temp_directory_path() / "tractable_fingerprint.csv").string();
  std::ofstream(path) << "1,2\n3,4\n5,6\n";
  Dataset d;
  d.files = {path};
  d.train = HostMatrix("train", 2, 2);
  d.test = HostMatrix("test", 1, 2);
  d.train(0, 0) = 1;
  d.train(0, 1) = 2;
  d.train(1, 0) = 3;
  d.train(1, 1) = 4;
  d.test(0, 0) = 5;
  d.test(0, 1) = 6;
  const nlohmann::json section = {{"source", "csv"}, {"path", path}};
  const DataFingerprint f = fingerprint_data(section, d);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(f.files.at(path) == hex(sha256(bytes.data(), bytes.size())));
  CHECK(f.rows.size() == 3);
  CHECK(fingerprint_changes(f, fingerprint_data(section, d)).empty());
  // Recorded in provenance and read back.
  nlohmann::json provenance;
  record_fingerprint(provenance, f);
  const DataFingerprint back = recorded_fingerprint(provenance);
  CHECK(back.files == f.files);
  CHECK(back.rows == f.rows);
  CHECK(back.definition == f.definition);
  // One changed value: the file and the split named.
  d.train(1, 1) = 4.5;
  std::ofstream(path) << "1,2\n3,4.5\n5,6\n";
  const auto changes = fingerprint_changes(f, fingerprint_data(section, d));
  REQUIRE(changes.size() == 2);
  CHECK_THAT(changes[0], Catch::Contains("data file " + path));
  CHECK_THAT(changes[1], Catch::Contains("rows of the split train"));
  // A run written before fingerprints records none.
  CHECK(recorded_fingerprint(nlohmann::json::object()).empty());
  CHECK_THROWS_AS(fingerprint_data(section, [&] { Dataset m = d; m.files = {path + ".missing"}; return m; }()),
                  DataError);
  std::filesystem::remove(path);
}
