// lampi-broker: an MQTT 3.1.1 / 5.0 broker that takes Mosquitto's flags and config files.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "base/log.h"
#include "broker_options.h"
#include "config/config_reader.h"
#include "privileges.h"
#include "server/server.h"

namespace {

struct Args {
    std::string config_file;
    std::vector<std::uint16_t> ports;
    bool verbose = false;
    bool daemon = false;
    bool test_config = false;
    bool fresh_store = false;
    std::size_t threads = 0;
};

int parse_args(int argc, char** argv, Args& args) {
    CLI::App app{
        "lampi-broker: an MQTT 3.1.1 and 5.0 broker, Mosquitto compatible.\n"
        "See https://mosquitto.org/man/mosquitto-conf-5.html for the config format;\n"
        "lampi's own options (max_publish_rate, response_information, metrics_listener)\n"
        "and memory_limit: docs/config.md."};
    app.add_option("-c,--config-file", args.config_file, "read the configuration from FILE");
    app.add_option("-p,--port", args.ports,
                   "listen on PORT (repeatable; loopback only, ignored when the config file has "
                   "listeners)");
    app.add_flag("-v,--verbose", args.verbose, "log everything (log_type all) unless -c is given");
    app.add_flag("-d,--daemon", args.daemon, "run in the background");
    app.add_flag("--test-config", args.test_config, "check the configuration and exit");
    app.add_option("--threads", args.threads, "worker threads (default: one per core)");
    app.add_flag("--fresh-store", args.fresh_store,
                 "if the persistence store cannot be opened, move it aside and start empty");
    app.set_version_flag("--version", "lampi-broker " LAMPI_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return -1;
}

lampi::config::ConfigResult load_config(const Args& args) {
    lampi::config::ConfigResult result;
    if (!args.config_file.empty()) result = lampi::config::read_config_file(args.config_file);
    for (const auto& w : lampi::config::apply_command_line_ports(result.config, args.ports)) {
        result.warnings.push_back(w);
    }
    lampi::config::apply_defaults(result.config);
    if (args.verbose && args.config_file.empty()) result.config.log_type = lampi::kLogAllTypes;
    return result;
}

bool daemonise() {
    if (::daemon(1, 0) != 0) {
        std::perror("Error: Unable to fork");
        return false;
    }
    return true;
}

}  // namespace

namespace {
// Output buffers of stalled readers reach megabytes. With glibc's default, freeing such a block
// raises the mmap threshold, so the next ones come from the heap and stay in the process after
// the reader goes away; a fixed threshold keeps every large buffer in its own mapping, returned
// to the system when freed.
void keep_large_buffers_returnable() { mallopt(M_MMAP_THRESHOLD, 256 * 1024); }
}  // namespace

int main(int argc, char** argv) {
    keep_large_buffers_returnable();
    Args args;
    if (int rc = parse_args(argc, argv, args); rc >= 0) return rc;
    auto result = load_config(args);
    lampi::apps::AccessSlots slots;
    std::optional<lampi::apps::OptionsResult> built;
    if (result.ok()) {
        built = lampi::apps::server_options_from(result.config, slots);
        for (auto& w : built->warnings) result.warnings.push_back(w);
        for (auto& e : built->errors) result.errors.push_back(e);
    }
    for (const auto& w : result.warnings) std::fprintf(stderr, "Warning: %s\n", w.c_str());
    if (!result.ok()) {
        for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::fprintf(stderr, "Error: %zu error(s) in the configuration; not starting.\n",
                     result.errors.size());
        return 3;
    }
    if (args.test_config) {
        std::printf("%s: configuration OK\n",
                    args.config_file.empty() ? "(defaults)" : args.config_file.c_str());
        return 0;
    }
    lampi::configure_logging(lampi::config::log_settings(result.config));
    if (args.daemon && !daemonise()) return 1;
    built->commit_access();
    auto options = std::move(built->options);
    options.threads = args.threads;
    options.fresh_store = args.fresh_store;
    options.version = "lampi-broker version " LAMPI_VERSION;
    lampi::log(lampi::LogType::Notice, "lampi-broker version {} starting", LAMPI_VERSION);
    lampi::server::Server server(std::move(options));
    server.set_reloader([args, &slots]() -> std::optional<lampi::server::ServerOptions> {
        auto next = load_config(args);
        std::optional<lampi::apps::OptionsResult> reloaded;
        if (next.ok()) reloaded = lampi::apps::server_options_from(next.config, slots);
        for (const auto& w : next.warnings) lampi::log(lampi::LogType::Warning, "Warning: {}", w);
        if (reloaded) {
            for (const auto& w : reloaded->warnings)
                lampi::log(lampi::LogType::Warning, "Warning: {}", w);
            for (auto& e : reloaded->errors) next.errors.push_back(e);
        }
        if (!next.ok()) {
            for (const auto& e : next.errors) lampi::log(lampi::LogType::Error, "Error: {}", e);
            return std::nullopt;
        }
        lampi::configure_logging(lampi::config::log_settings(next.config));
        reloaded->commit_access();
        reloaded->options.version = "lampi-broker version " LAMPI_VERSION;
        return std::move(reloaded->options);
    });
    if (!server.open()) return 1;
    if (!lampi::apps::drop_privileges(result.config.user)) return 1;
    return server.run();
}
