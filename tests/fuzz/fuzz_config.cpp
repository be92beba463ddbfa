// libFuzzer target: the config reader must not crash or hang on any text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto result = lampi::config::read_config_string(text, "fuzz.conf");
    lampi::config::apply_defaults(result.config);
    return 0;
}
