#include "server/http_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace lampi::server {

namespace fs = std::filesystem;

namespace {

std::string content_type_for(const fs::path& p) {
    static const std::pair<const char*, const char*> kTypes[] = {
        {".html", "text/html"},       {".htm", "text/html"},
        {".js", "text/javascript"},   {".mjs", "text/javascript"},
        {".css", "text/css"},         {".json", "application/json"},
        {".png", "image/png"},        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},     {".txt", "text/plain"},
        {".map", "application/json"}, {".webmanifest", "application/manifest+json"},
    };
    const std::string ext = p.extension().string();
    for (const auto& [e, type] : kTypes) {
        if (ext == e) return type;
    }
    return "application/octet-stream";
}

HttpFileResponse refuse(unsigned status) {
    HttpFileResponse r;
    r.status = status;
    r.body = status == 403 ? "Forbidden\n" : "Not found\n";
    return r;
}

// The request path must stay a relative path under the root: any segment that is empty, "." or
// "..", or a backslash or NUL anywhere, is refused before the file system is touched.
bool safe_relative_path(std::string_view path) {
    if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t slash = path.find('/', pos);
        if (slash == std::string_view::npos) slash = path.size();
        const std::string_view segment = path.substr(pos, slash - pos);
        if (segment.empty() || segment == "." || segment == "..") return false;
        pos = slash + 1;
    }
    return true;
}

}  // namespace

HttpFileResponse serve_http_file(const std::string& root, std::string_view target) {
    if (root.empty()) return refuse(404);
    std::string path(target.substr(0, target.find_first_of("?#")));
    if (path.empty() || path.front() != '/') return refuse(403);
    if (path.back() == '/') path += "index.html";
    const std::string_view relative = std::string_view(path).substr(1);
    if (!safe_relative_path(relative)) return refuse(403);
    const fs::path base = fs::path(root).lexically_normal();
    const fs::path full = (base / fs::path(relative)).lexically_normal();
    // Belt and braces: the joined path must still start with the root.
    const auto [root_end, ignored] =
        std::mismatch(base.begin(), base.end(), full.begin(), full.end());
    if (root_end != base.end() && !root_end->empty()) return refuse(403);
    std::error_code ec;
    if (!fs::is_regular_file(full, ec)) return refuse(404);
    std::ifstream f(full, std::ios::binary);
    if (!f) return refuse(404);
    std::ostringstream ss;
    ss << f.rdbuf();
    HttpFileResponse r;
    r.status = 200;
    r.body = ss.str();
    r.content_type = content_type_for(full);
    return r;
}

}  // namespace lampi::server
