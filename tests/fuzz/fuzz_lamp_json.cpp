// libFuzzer target for the lamp's set_config validation: parsing must never crash or throw, an
// accepted message must hold values in [0, 1] and a client, applying it must keep the state in
// range, and the resulting state must survive to_json -> state_from_json unchanged.
// Build with -DLAMPI_FUZZ=ON (clang). Seeds: tests/fuzz/corpus/lamp_json.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lamp/color.h"
#include "lamp/lamp_service.h"
#include "lamp/lamp_state.h"

namespace {

bool unit(double v) { return v >= 0.0 && v <= 1.0; }

void require(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace lampi::lamp;
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    (void)parse_association(input);
    auto parsed = parse_set_config(input);
    if (auto* config = std::get_if<SetConfig>(&parsed)) {
        require(!config->hue || unit(*config->hue));
        require(!config->saturation || unit(*config->saturation));
        require(!config->brightness || unit(*config->brightness));
        const LampState state = apply(LampState{}, *config);
        require(unit(state.hue) && unit(state.saturation) && unit(state.brightness));
        const Rgb d = duty_cycles(state, 2.2);
        require(unit(d.red) && unit(d.green) && unit(d.blue));
        auto back = state_from_json(to_json(state));
        require(std::holds_alternative<LampState>(back) && std::get<LampState>(back) == state);
    }

    // The service as a whole: a bad message changes nothing and publishes nothing.
    LampService service("lamp/", "lamp_service", LampState{});
    const LampState before = service.state();
    Reaction r = service.on_message("lamp/set_config", std::string(input));
    require(r.state_changed == std::holds_alternative<SetConfig>(parsed));
    if (!r.state_changed) require(service.state() == before && r.publish.empty());
    return 0;
}
