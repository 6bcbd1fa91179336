#pragma once
// Lossless compression of binary images with a run's VAE by bits-back coding
// (compression/bits_back.hpp), in the container of compression/container.hpp:
// what `tractable compress` / `decompress` and the Python module's
// compress/decompress share, so both make and read the same bytes.
#include "compression/container.hpp"
#include "experiment/model_session.hpp"

#include <memory>
#include <string>

namespace tractable {

// A UsageError unless the session is a VAE bits-back coding handles: one or two stochastic layers,
// diagonal Gaussian posteriors (no IAF), prior N(0, I), a Bernoulli decoder.
void check_compressible(const ModelSession& session, const std::string& run);
// A DataError naming the row and column of the first value that is not exactly 0 or 1.
void check_binary_rows(const HostMatrix& rows /*[N, D]*/, const std::string& where);
// SHA-256 of the resolved spec and the parameter and buffer values the session holds.
Sha256 model_digest(const ModelSession& session);

struct CompressionReport {
  std::size_t images = 0, pixels = 0, bytes = 0;
  double message_bits = 0, initial_bits = 0;  // the final and the initial rANS message
  double seconds = 0;
};
// rows [N, D] of 0/1 -> the .tbc bytes. One rank only (the caller checks).
std::string compress_rows(ModelSession& session, const HostMatrix& rows, const BitsBackSettings& settings,
                          CompressionReport* report = nullptr);
// The .tbc bytes -> the images [N, D]; a DataError when the file's model digest is not the session's.
HostMatrix decompress_bytes(ModelSession& session, const CompressedFile& file, const std::string& where);
// The run's checkpoint whose model digest the file names: /checkpoint_best, else the last one.
std::unique_ptr<ModelSession> session_for(const std::string& run, const CompressedFile& file, const std::string& where);

}  // namespace tractable
