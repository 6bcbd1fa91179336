#pragma once
// The decoder registry (`model.decoder.type`): p(x|z) of the VAEs.
#include "spec/registry.hpp"
#include "vae/decoder.hpp"

#include <memory>

namespace tractable {

struct DecoderContext {
  ParameterStore& store;
  std::string name;  // parameter prefix ("decoder")
  std::size_t dim;   // D
};
using DecoderRegistration = TypeRegistration<std::unique_ptr<Decoder>, DecoderContext>;
using DecoderRegistry = Registry<std::unique_ptr<Decoder>, DecoderContext>;
const DecoderRegistry& decoder_registry();

// A validated `model.decoder` section as the factory a VAE calls.
DecoderFactory decoder_factory(const SpecSection& decoder);

}  // namespace tractable
