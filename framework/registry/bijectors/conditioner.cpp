#include "registry/bijectors/conditioner.hpp"

#include "nn/activation.hpp"

namespace tractable {

std::vector<SchemaField> conditioner_keys(bool with_scale_bound) {
  namespace s = schema;
  std::vector<SchemaField> keys{
      {"hidden", s::integer(1, 1 << 16), nullptr, "conditioner width (default: model.hidden)", true},
      {"depth", s::integer(0, 64), nullptr, "conditioner hidden layers (default: model.depth)", true},
      {"activation", s::string(activation_names()), nullptr, "conditioner activation (default: model.activation)", true}};
  if (with_scale_bound)
    keys.push_back({"scale_bound", s::number(0, std::nullopt, true), nullptr,
                    "bound c on the log-scale, s = c·tanh(raw/c) (default: model.scale_bound)", true});
  return keys;
}

MlpShape read_conditioner(const SpecSection& layer) {
  MlpShape shape;
  shape.hidden = layer.get<std::size_t>("hidden");
  shape.depth = layer.get<std::size_t>("depth");
  shape.activation = parse_activation(layer.get<std::string>("activation"));
  return shape;
}

}  // namespace tractable
