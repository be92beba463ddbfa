// lampi-lampd: the LAMPi lamp service. Reads an ini file (optional), lets flags override it,
// then runs the service until SIGINT/SIGTERM. See docs/lamp.md.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "base/log.h"
#include "lamp/service_config.h"
#include "lamp/state_file.h"
#include "lamp_daemon.h"

int main(int argc, char** argv) {
    CLI::App app{"lampi-lampd: the LAMPi lamp service (MQTT to RGB LED)."};
    app.set_help_flag("--help", "Print this help and exit");
    std::string config_file;
    std::optional<std::string> host, backend, state_file, device_id, client_id;
    std::optional<int> port;
    bool verbose = false;
    app.add_option("-c,--config", config_file, "ini file ([broker], [lamp], [hardware])");
    app.add_option("-h,--host", host, "broker host (default localhost)");
    app.add_option("-p,--port", port, "broker port (default 1883)")->check(CLI::Range(1, 65535));
    app.add_option("--backend", backend, "hardware backend")
        ->check(CLI::IsMember({"sim", "sysfs-pwm", "pigpiod"}));
    app.add_option("--state-file", state_file, "where the last state is kept");
    app.add_option("--device-id", device_id, "device id (default: first Ethernet MAC)");
    app.add_option("--client-id", client_id, "MQTT client id (default lamp_service)");
    app.add_flag("-v,--verbose", verbose, "log debug messages too");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    lampi::LogSettings log_settings;
    if (verbose) log_settings.types = lampi::kLogAllTypes;
    lampi::configure_logging(log_settings);

    lampi::lamp::ServiceConfig config;
    if (!config_file.empty()) {
        auto text = lampi::lamp::read_file(config_file);
        if (!text) {
            std::cerr << "lampi-lampd: cannot read " << config_file << "\n";
            return 1;
        }
        std::vector<std::string> errors;
        lampi::lamp::parse_service_config(*text, config_file, config, errors);
        for (const auto& e : errors) std::cerr << e << "\n";
        if (!errors.empty()) return 1;
    }
    if (host) config.broker.host = *host;
    if (port) config.broker.port = static_cast<std::uint16_t>(*port);
    if (backend) config.hardware.backend = *backend;
    if (state_file) config.state_file = *state_file;
    if (device_id) config.device_id = *device_id;
    if (client_id && !client_id->empty()) config.broker.client_id = *client_id;
    return lampi::lampd::run_lamp_daemon(config);
}
