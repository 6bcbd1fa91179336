#include "experiment/model_compression.hpp"

#include "core/error.hpp"

#include <chrono>

namespace tractable {

void check_compressible(const ModelSession& session, const std::string& run) {
  // An IAF posterior's q(z|x) has no per-coordinate table over the buckets: it is not coded.
  const RunSpec& spec = session.spec;
  const bool ok = spec.provides("model:vae") && spec.provides("posterior:diagonal_gaussian") &&
                  spec.provides("decoder:binary");
  if (!ok)
    throw UsageError(run + ": bits-back compression needs a VAE with a Gaussian posterior (one or two stochastic "
                           "layers) and a Bernoulli decoder (this run: " + spec.model.summary + ")");
}

void check_binary_rows(const HostMatrix& rows, const std::string& where) {
  for (std::size_t i = 0; i < rows.extent(0); ++i)
    for (std::size_t j = 0; j < rows.extent(1); ++j)
      if (rows(i, j) != 0 && rows(i, j) != 1)
        throw DataError(where + ": row " + std::to_string(i + 1) + ", column " + std::to_string(j + 1) + " is " +
                        std::to_string(rows(i, j)) + "; compress codes binary images (values 0 or 1): binarise first");
}

Sha256 model_digest(const ModelSession& session) {
  Sha256Hasher h;
  const std::string spec = session.spec.document.dump();
  h.update(spec.data(), spec.size());
  for (const Vector& v : {session.store.values(), session.store.buffers()}) {
    const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
    h.update(host.data(), host.extent(0) * sizeof(Real));
  }
  return h.digest();
}

std::string compress_rows(ModelSession& session, const HostMatrix& rows, const BitsBackSettings& settings,
                          CompressionReport* report) {
  const auto start = std::chrono::steady_clock::now();
  CompressedFile file;
  file.images = rows.extent(0);
  file.pixels = rows.extent(1);
  file.latent = static_cast<std::uint32_t>(session.vae->latent());
  file.settings = settings;
  file.model = model_digest(session);
  file.code = bits_back_encode(*session.vae, rows, settings);
  std::string bytes = serialize(file);
  if (report) {
    report->images = file.images;
    report->pixels = file.images * file.pixels;
    report->bytes = bytes.size();
    report->message_bits = file.code.message_bits;
    report->initial_bits = file.code.initial_bits;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return bytes;
}

HostMatrix decompress_bytes(ModelSession& session, const CompressedFile& file, const std::string& where) {
  const Sha256 digest = model_digest(session);
  if (digest != file.model)
    throw DataError(where + ": was compressed with another model (digest " + hex(file.model, 8) + "…, this one " +
                    hex(digest, 8) + "…): decompress with the run and checkpoint that compressed it");
  if (file.pixels != session.dim || file.latent != session.vae->latent())
    throw DataError(where + ": images of " + std::to_string(file.pixels) + " pixels and " + std::to_string(file.latent) +
                    " latents do not fit the model");
  return bits_back_decode(*session.vae, file.code, file.images, file.pixels, file.settings);
}

std::unique_ptr<ModelSession> session_for(const std::string& run, const CompressedFile& file, const std::string& where) {
  std::string digests;
  for (const bool last : {false, true}) {
    auto session = load_model_session(run, last);
    check_compressible(*session, run);
    const Sha256 digest = model_digest(*session);
    if (digest == file.model) return session;
    digests += (digests.empty() ? "" : ", ") + session->checkpoint + " " + hex(digest, 8) + "…";
    if (session->checkpoint == "last") break;  // no /checkpoint_best: the one checkpoint was tried
  }
  throw DataError(where + ": was compressed with another model (digest " + hex(file.model, 8) + "…; " + run + " has " +
                  digests + ")");
}

}  // namespace tractable
