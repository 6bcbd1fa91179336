// Data: seeded toy generators, CSV and HDF5 loaders, and their errors.
#include "gradient_check.hpp"

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/file_loaders.hpp"
#include "data/sharded_batcher.hpp"
#include "data/toy_2d.hpp"
#include "io/hdf5_file.hpp"

#include <filesystem>
#include <fstream>

using namespace tractable;
using namespace tractable::testing;

namespace {
std::string write_file(const std::string& name, const std::string& text) {
  std::ofstream(name) << text;
  return name;
}
}  // namespace

TEST_CASE("toy data: every generator is seeded, finite and at its documented scale", "[data]") {
  for (const auto& name : toy_2d_names()) {
    SECTION(name) {
      const auto a = generate_toy_2d(name, 2000, 5), b = generate_toy_2d(name, 2000, 5), c = generate_toy_2d(name, 2000, 6);
      bool same = true, different = false;
      double max_abs = 0, mean_x = 0;
      for (std::size_t i = 0; i < 2000; ++i)
        for (std::size_t j = 0; j < 2; ++j) {
          same = same && a(i, j) == b(i, j);
          different = different || a(i, j) != c(i, j);
          REQUIRE(std::isfinite(a(i, j)));
          max_abs = std::max(max_abs, std::abs(a(i, j)));
          if (j == 0) mean_x += a(i, j) / 2000;
        }
      CHECK(same);
      CHECK(different);
      CHECK(max_abs > 0.5);
      CHECK(max_abs < 6.0);
      if (name != "moons") CHECK(std::abs(mean_x) < 0.25);  // symmetric about the origin
    }
  }
  CHECK_THROWS_AS(generate_toy_2d("9gaussians", 10, 0), SpecError);
}

TEST_CASE("toy data: 8gaussians follows its exact density", "[data]") {
  const auto x = generate_toy_2d("8gaussians", 20000, 3);
  // Every point lies within 5σ of a centre, and the sample's mean log-density
  // matches the analytic entropy of well-separated modes, ln 8 + ln(2πeσ²).
  const double sigma = 0.5 / 1.414;
  double mean_logp = 0;
  for (std::size_t i = 0; i < x.extent(0); ++i) mean_logp += eight_gaussians_log_density(x(i, 0), x(i, 1)) / 20000;
  const double entropy = std::log(8.0) + std::log(2 * M_PI * M_E * sigma * sigma);
  CHECK(-mean_logp == Approx(entropy).margin(0.03));
}

TEST_CASE("CSV: header, numbers and the errors name file and line", "[data]") {
  const auto good = write_file("good.csv", "x,y\n1,2\n3.5,-4e-1\n\n5,6\n");
  const auto m = load_csv(good);
  REQUIRE(m.extent(0) == 3);
  REQUIRE(m.extent(1) == 2);
  CHECK(m(1, 1) == Approx(-0.4));
  CHECK_THROWS_WITH(load_csv(write_file("ragged.csv", "1,2\n3\n")), Catch::Contains("ragged.csv: line 2 has 1 columns"));
  CHECK_THROWS_WITH(load_csv(write_file("nan.csv", "a,b\n1,2\n3,nan\n")), Catch::Contains("nan.csv: line 3, column 2 is NaN"));
  CHECK_THROWS_WITH(load_csv(write_file("inf.csv", "1,inf\n")), Catch::Contains("line 1, column 2 is infinite"));
  CHECK_THROWS_WITH(load_csv(write_file("word.csv", "1,2\n3,abc\n")), Catch::Contains("'abc' is not a number"));
  CHECK_THROWS_WITH(load_csv(write_file("empty.csv", "x,y\n")), Catch::Contains("no data rows"));
  CHECK_THROWS_WITH(load_csv("missing.csv"), Catch::Contains("missing.csv: cannot open"));
  CHECK_THROWS_AS(load_csv("missing.csv"), DataError);
  for (const char* f : {"good.csv", "ragged.csv", "nan.csv", "inf.csv", "word.csv", "empty.csv"}) std::filesystem::remove(f);
}

TEST_CASE("HDF5 data: 2-D datasets load; NaN, empty, wrong rank and missing datasets are named", "[data]") {
  const std::string path = "data_test.h5";
  {
    Hdf5File f(path, Hdf5File::Mode::create_truncate);
    f.write<double>("/x", {1, 2, 3, 4, 5, 6}, {3, 2});
    f.write<double>("/bad", {1, 2, std::nan(""), 4}, {2, 2});
    f.write<double>("/empty", {}, {0, 2});
    f.write<double>("/cube", {1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
    f.write_string("/text", "not numbers");
  }
  const auto m = load_hdf5_dataset(path, "/x");
  CHECK(m.extent(0) == 3);
  CHECK(m(2, 1) == 6.0);
  CHECK_THROWS_WITH(load_hdf5_dataset(path, "/bad"), Catch::Contains("data_test.h5:/bad: row 1"));
  CHECK_THROWS_WITH(load_hdf5_dataset(path, "/empty"), Catch::Contains("empty"));
  CHECK_THROWS_WITH(load_hdf5_dataset(path, "/cube"), Catch::Contains("rank 3"));
  CHECK_THROWS_WITH(load_hdf5_dataset(path, "/nope"), Catch::Contains("no dataset '/nope'"));
  CHECK_THROWS_AS(load_hdf5_dataset(path, "/text"), DataError);
  CHECK_THROWS_AS(load_hdf5_dataset("nothing_here.h5", "/x"), DataError);
  write_file("not_hdf5.h5", "plain text");
  CHECK_THROWS_WITH(load_hdf5_dataset("not_hdf5.h5", "/x"), Catch::Contains("not an HDF5 file"));
  std::filesystem::remove(path);
  std::filesystem::remove("not_hdf5.h5");
}

TEST_CASE("train/validation/test split is seeded and disjoint; the test rows do not depend on validation", "[data]") {
  HostMatrix rows("rows", 20, 1);
  for (std::size_t i = 0; i < 20; ++i) rows(i, 0) = double(i);
  const Dataset d = split_rows(rows, 0.3, 0.25, 1, "t");
  REQUIRE(d.test.extent(0) == 6);        // round(0.3 · 20)
  REQUIRE(d.validation.extent(0) == 4);  // round(0.25 · 14) (3.5 rounds away from zero)
  REQUIRE(d.train.extent(0) == 10);
  std::vector<double> all;
  for (const HostMatrix* part : {&d.train, &d.validation, &d.test})
    for (std::size_t i = 0; i < part->extent(0); ++i) all.push_back((*part)(i, 0));
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < 20; ++i) CHECK(all[i] == double(i));
  // Same seed, no validation split: the same test rows, the validation rows back in train.
  const Dataset without = split_rows(rows, 0.3, 0, 1, "t");
  CHECK(without.validation.extent(0) == 0);
  CHECK(without.train.extent(0) == 14);
  for (std::size_t i = 0; i < 6; ++i) CHECK(without.test(i, 0) == d.test(i, 0));
  for (std::size_t i = 0; i < 4; ++i) CHECK(without.train(10 + i, 0) == d.validation(i, 0));
  // Another seed, another split.
  const Dataset other = split_rows(rows, 0.3, 0.25, 2, "t");
  bool differs = false;
  for (std::size_t i = 0; i < 6; ++i) differs |= other.test(i, 0) != d.test(i, 0);
  CHECK(differs);
  CHECK_THROWS_WITH(split_rows(rows, 0.99, 0, 1, "t"), Catch::Contains("test_fraction"));
  CHECK_THROWS_WITH(split_rows(rows, 0.5, 0.99, 1, "t"), Catch::Contains("validation_fraction"));
  CHECK_THROWS_WITH(split_rows(rows, 0.5, 0.01, 1, "t"), Catch::Contains("each split needs at least one row"));
  CHECK(d.split("validation").extent(0) == 4);
  CHECK_THROWS_WITH(without.split("validation"), Catch::Contains("no validation split"));
  CHECK_THROWS_AS(d.split("dev"), UsageError);
}

TEST_CASE("hold_out_validation takes the tail of the training rows", "[data]") {
  Dataset d;
  d.origin = "toy";
  d.train = HostMatrix("rows", 10, 1);
  for (std::size_t i = 0; i < 10; ++i) d.train(i, 0) = double(i);
  hold_out_validation(d, 0.2);
  REQUIRE(d.train.extent(0) == 8);
  REQUIRE(d.validation.extent(0) == 2);
  CHECK(d.validation(0, 0) == 8.0);
  CHECK(d.validation(1, 0) == 9.0);
  hold_out_validation(d, 0);
  CHECK(d.train.extent(0) == 8);
  CHECK(d.validation.extent(0) == 0);
}

TEST_CASE("batcher: shards of N ranks concatenate to the one-rank batch, uneven splits included", "[data]") {
  HostMatrix rows("rows", 23, 1);
  for (std::size_t i = 0; i < 23; ++i) rows(i, 0) = double(i);
  ShardedBatcher one(rows, 7, 9, 0, 1);
  ShardedBatcher r0(rows, 7, 9, 0, 3), r1(rows, 7, 9, 1, 3), r2(rows, 7, 9, 2, 3);
  CHECK(r0.local_batch() + r1.local_batch() + r2.local_batch() == 7);
  for (int step = 0; step < 10; ++step) {  // crosses epoch boundaries (23 rows, batch 7)
    const auto whole = to_host(one.next());
    std::vector<double> joined;
    for (auto* b : {&r0, &r1, &r2}) {
      const auto part = to_host(b->next());
      for (std::size_t i = 0; i < part.extent(0); ++i) joined.push_back(part(i, 0));
    }
    REQUIRE(joined.size() == 7);
    for (std::size_t i = 0; i < 7; ++i) CHECK(joined[i] == whole(i, 0));
  }
  CHECK(one.epoch() == 3);
  CHECK_THROWS_AS(ShardedBatcher(rows, 24, 0, 0, 1), DataError);
}

TEST_CASE("batcher: a position saved in an epoch's incomplete tail resumes to the same batches", "[data]") {
  // 2000 rows, batch 256: after 7 batches the cursor is 1792, with fewer than 256 rows left in the epoch.
  HostMatrix rows("rows", 2000, 1);
  for (std::size_t i = 0; i < 2000; ++i) rows(i, 0) = Real(i);
  ShardedBatcher straight(rows, 256, 3, 0, 1), resumed(rows, 256, 3, 0, 1);
  for (int s = 0; s < 7; ++s) straight.next();
  REQUIRE(straight.cursor() == 1792);
  resumed.set_position(straight.epoch(), straight.cursor());
  for (int s = 0; s < 3; ++s) {
    const auto a = to_host(straight.next()), b = to_host(resumed.next());
    bool same = true;
    for (std::size_t i = 0; i < 256; ++i) same = same && a(i, 0) == b(i, 0);
    CHECK(same);
  }
  CHECK(resumed.epoch() == 1);
}
