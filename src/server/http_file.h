// Mosquitto's http_dir: static files served from a WebSocket listener to plain HTTP requests.
// Pure apart from reading the file; never serves anything outside the root.
#pragma once

#include <string>
#include <string_view>

namespace lampi::server {

struct HttpFileResponse {
    unsigned status = 404;
    std::string content_type = "text/plain";
    std::string body;
};

// `target` is the request target ("/index.html?x=1"). 403 for anything that could leave the
// root (.., //, backslashes, NUL), 404 when there is no such regular file.
HttpFileResponse serve_http_file(const std::string& root, std::string_view target);

}  // namespace lampi::server
