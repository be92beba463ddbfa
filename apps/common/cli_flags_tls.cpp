// TLS and TLS-PSK flags of every tool. They only record the settings: check_config (cli.cpp)
// checks how they combine, check_client_options what lampi supports.
#include "apps/common/cli_flags.h"

namespace lampi::cli {

namespace {

constexpr FlagSpec kTlsFlags[] = {
    {"--cafile", nullptr, kAllTools, "file", nullptr, store<&Config::cafile>},
    {"--capath", nullptr, kAllTools, "directory", nullptr, store<&Config::capath>},
    {"--cert", nullptr, kAllTools, "file", nullptr, store<&Config::certfile>},
    {"--key", nullptr, kAllTools, "file", nullptr, store<&Config::keyfile>},
    {"--keyform", nullptr, kAllTools, "keyform", nullptr, store<&Config::keyform>},
    {"--ciphers", nullptr, kAllTools, "ciphers", nullptr, store<&Config::ciphers>},
    {"--insecure", nullptr, kAllTools, nullptr, nullptr, enable<&Config::insecure>},
    {"--tls-alpn", nullptr, kAllTools, "protocol", nullptr, store<&Config::tls_alpn>},
    {"--tls-version", nullptr, kAllTools, "version", nullptr, store<&Config::tls_version>},
    {"--tls-use-os-certs", nullptr, kAllTools, nullptr, nullptr, enable<&Config::tls_use_os_certs>},
    {"--tls-engine", nullptr, kAllTools, "engine", nullptr, store<&Config::tls_engine>},
    {"--tls-engine-kpass-sha1", nullptr, kAllTools, "kpass sha1", nullptr,
     store<&Config::tls_engine_kpass_sha1>},
    {"--psk", nullptr, kAllTools, "key", nullptr, store<&Config::psk>},
    {"--psk-identity", nullptr, kAllTools, "identity", nullptr, store<&Config::psk_identity>},
};

}  // namespace

std::span<const FlagSpec> tls_flags() { return kTlsFlags; }

}  // namespace lampi::cli
