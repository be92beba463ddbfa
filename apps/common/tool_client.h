// ToolClient: what lampi-pub, lampi-sub and lampi-rr share around their one Connection, done as
// Mosquitto's tools do it: "Error: ..." when the broker cannot be reached, "Connection error:
// ..." and the reason code as exit code on a refused CONNECT, -W timeout (exit 27), SIGINT /
// SIGTERM, and the -d trace. Each tool derives and handles its own events. Single-threaded.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apps/common/cli.h"
#include "apps/common/tool_loop.h"

namespace lampi::cli {

// Parses the options file and argv; prints help / version / errors as Mosquitto's tools do.
// Returns the exit code when the tool should stop now.
std::optional<int> load_config_or_exit(Config& cfg, Tool tool, int argc, char** argv);

// The -m / -f / -s / -n payload. Prints Mosquitto's errors and returns nullopt when a file
// cannot be read. (-l is read line by line by lampi-pub.)
std::optional<std::string> read_payload(const Config& cfg);

class ToolClient {
  public:
    ToolClient(const Config& cfg, ToolLoop& loop, client::ConnectionOptions options);
    virtual ~ToolClient();
    ToolClient(const ToolClient&) = delete;
    ToolClient& operator=(const ToolClient&) = delete;

    // Connects and runs until the connection is closed for good. Returns the exit code.
    int run();

  protected:
    // A CONNACK accepted the connection (again, after a reconnect: `first` is false).
    virtual void on_connected(bool first) = 0;
    // Any other event of the session.
    virtual void on_event(const client::Event& event) = 0;
    // Ends the run: sends DISCONNECT (with the -D disconnect properties) and closes. Called on
    // SIGINT / SIGTERM and when -W expires.
    virtual void finish();

    client::Connection& connection() { return *connection_; }
    bool connected_once() const { return connected_once_; }

    const Config& cfg_;
    ToolLoop& loop_;
    int exit_code_ = 0;

  private:
    void dispatch(const client::Event& event);
    void refused(std::uint8_t reason_code);

    std::unique_ptr<client::Connection> connection_;
    bool connected_once_ = false;
    bool timed_out_ = false;
};

}  // namespace lampi::cli
