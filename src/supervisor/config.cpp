#include "supervisor/config.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "supervisor/config_values.h"
#include "supervisor/ini_file.h"

extern char** environ;

namespace lampi::supervisor {
namespace {

constexpr int kMaxIncludeDepth = 10;

std::string dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string absolute(const std::string& path) {
    if (!path.empty() && path.front() == '/') return path;
    char buf[4096];
    if (getcwd(buf, sizeof buf) == nullptr) return path;
    return std::string(buf) + "/" + path;
}

// Reads options of one section with expansion and typed parsing; errors carry file:line.
class SectionReader {
  public:
    SectionReader(const IniSection& section, std::map<std::string, std::string> vars,
                  std::vector<std::string>& errors)
        : section_(section), vars_(std::move(vars)), errors_(errors) {}

    // The expanded value of `key`, or nullopt when absent (or invalid, after reporting).
    std::optional<std::string> get(const std::string& key) {
        const IniEntry* e = section_.find(key);
        if (e == nullptr) return std::nullopt;
        std::string err;
        auto v = expand(e->value, vars_, err);
        if (!v) fail(*e, err);
        return v;
    }

    template <typename T, typename Parse>
    void read(const std::string& key, T& out, Parse parse, const char* what) {
        const IniEntry* e = section_.find(key);
        auto text = get(key);
        if (!text) return;
        auto v = parse(*text);
        if (!v) {
            fail(*e, "invalid " + std::string(what) + " '" + *text + "'");
            return;
        }
        out = static_cast<T>(*v);
    }

    void read_string(const std::string& key, std::string& out) {
        if (auto v = get(key)) out = *v;
    }

    void read_log(const std::string& prefix, LogOptions& log) {
        if (auto v = get(prefix)) {
            std::string upper = *v;
            std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
            log.path = upper == "NONE" ? "" : upper == "AUTO" ? "AUTO" : *v;
        }
        read(prefix + "_maxbytes", log.maxbytes, parse_byte_size, "byte size");
        read(prefix + "_backups", log.backups, parse_int, "integer");
    }

    void fail(const IniEntry& e, const std::string& message) {
        errors_.push_back(location(e.line) + " " + e.key + ": " + message);
    }
    void fail_section(const std::string& message) {
        errors_.push_back(location(section_.line) + " " + message);
    }
    std::string location(int line) const {
        return section_.file + ":" + std::to_string(line) + ": [" + section_.name + "]";
    }
    const IniEntry* find(const std::string& key) const { return section_.find(key); }

  private:
    const IniSection& section_;
    std::map<std::string, std::string> vars_;
    std::vector<std::string>& errors_;
};

class Loader {
  public:
    Loader(const LoadOptions& options, ConfigResult& result) : opt_(options), result_(result) {
        for (const auto& [k, v] : opt_.env) base_vars_["ENV_" + k] = v;
        base_vars_["host_node_name"] = opt_.host_node_name;
    }

    void read_text(const std::string& text, const std::string& file, int depth) {
        size_t first = sections_.size();
        parse_ini(text, file, sections_, result_.errors);
        if (!opt_.follow_includes || depth >= kMaxIncludeDepth) return;
        std::vector<std::string> includes;
        for (size_t i = first; i < sections_.size(); ++i) {
            if (sections_[i].name != "include") continue;
            SectionReader r(sections_[i], vars_for(sections_[i]), result_.errors);
            auto files = r.get("files");
            if (!files) {
                r.fail_section("no 'files' key in [include]");
                continue;
            }
            std::istringstream words(*files);
            for (std::string pattern; words >> pattern;) {
                if (pattern.front() != '/') pattern = dir_of(file) + "/" + pattern;
                for (const auto& path : opt_.glob(pattern)) includes.push_back(path);
            }
        }
        for (const auto& path : includes) {
            auto content = opt_.read_file(path);
            if (!content) {
                result_.errors.push_back(file + ": included file '" + path + "' cannot be read");
                continue;
            }
            read_text(*content, path, depth + 1);
        }
    }

    void build() {
        result_.config.supervisord.logfile =
            dir_of(absolute(result_.config.path)) + "/supervisord.log";
        for (const auto& s : sections_) {
            if (s.name == "supervisord") read_supervisord(s);
            if (s.name == "unix_http_server") read_socket(s);
            if (s.name == "supervisorctl") read_ctl(s);
        }
        std::map<std::string, std::vector<ProgramConfig>> programs;
        for (const auto& s : sections_) {
            if (s.name.rfind("program:", 0) == 0) read_program(s, programs);
            for (const char* kind : {"fcgi-program:", "eventlistener:"}) {
                if (s.name.rfind(kind, 0) == 0) {
                    result_.config.warnings.push_back(s.file + ":" + std::to_string(s.line) +
                                                      ": [" + s.name + "] not supported, ignored");
                }
            }
        }
        read_groups(programs);
        for (auto& [name, procs] : programs) {
            result_.config.groups.push_back(GroupConfig{name, procs.front().priority, procs});
        }
        auto& groups = result_.config.groups;
        std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
            return std::tie(a.priority, a.name) < std::tie(b.priority, b.name);
        });
        for (auto& g : groups) {
            std::stable_sort(g.processes.begin(), g.processes.end(),
                             [](const auto& a, const auto& b) {
                                 return std::tie(a.priority, a.name) < std::tie(b.priority, b.name);
                             });
        }
    }

  private:
    std::map<std::string, std::string> vars_for(const IniSection& s) const {
        auto vars = base_vars_;
        vars["here"] = dir_of(absolute(s.file));
        return vars;
    }

    void read_supervisord(const IniSection& s) {
        SectionReader r(s, vars_for(s), result_.errors);
        auto& c = result_.config.supervisord;
        r.read_string("logfile", c.logfile);
        if (c.logfile == "NONE") c.logfile.clear();
        r.read("logfile_maxbytes", c.logfile_maxbytes, parse_byte_size, "byte size");
        r.read("logfile_backups", c.logfile_backups, parse_int, "integer");
        r.read_string("pidfile", c.pidfile);
        r.read("nodaemon", c.nodaemon, parse_bool, "boolean");
        r.read_string("childlogdir", c.childlogdir);
        r.read("umask", c.umask, parse_octal, "octal umask");
        r.read(
            "loglevel", c.loglevel,
            [](const std::string& v) -> std::optional<std::string> {
                for (const char* l :
                     {"critical", "error", "warn", "info", "debug", "trace", "blather"})
                    if (v == l) return v;
                return std::nullopt;
            },
            "log level");
    }

    void read_socket(const IniSection& s) {
        SectionReader r(s, vars_for(s), result_.errors);
        r.read_string("file", result_.config.socket_file);
        if (result_.config.socket_file.empty()) r.fail_section("file is required");
    }

    void read_ctl(const IniSection& s) {
        SectionReader r(s, vars_for(s), result_.errors);
        const IniEntry* e = r.find("serverurl");
        auto url = r.get("serverurl");
        if (e == nullptr || !url) return;
        if (url->rfind("unix://", 0) != 0 && *url != "AUTO") {
            r.fail(*e, "only unix:// server URLs are supported");
            return;
        }
        result_.config.serverurl = *url;
    }

    void read_program(const IniSection& s, std::map<std::string, std::vector<ProgramConfig>>& out);
    void read_process(SectionReader& r, ProgramConfig& p);
    void read_groups(std::map<std::string, std::vector<ProgramConfig>>& programs);

    const LoadOptions& opt_;
    ConfigResult& result_;
    std::vector<IniSection> sections_;
    std::map<std::string, std::string> base_vars_;
};

void Loader::read_program(const IniSection& s,
                          std::map<std::string, std::vector<ProgramConfig>>& out) {
    std::string program = s.name.substr(8);
    auto vars = vars_for(s);
    vars["program_name"] = program;
    vars["group_name"] = program;
    size_t errors_before = result_.errors.size();
    if (program.empty() || program.find_first_of(":/ ") != std::string::npos) {
        SectionReader(s, vars, result_.errors).fail_section("bad program name '" + program + "'");
        return;
    }
    if (out.count(program) != 0) {
        SectionReader(s, vars, result_.errors).fail_section("duplicate program");
        return;
    }
    int numprocs = 1;
    int numprocs_start = 0;
    {
        SectionReader r(s, vars, result_.errors);
        r.read("numprocs", numprocs, parse_int, "integer");
        r.read("numprocs_start", numprocs_start, parse_int, "integer");
        if (numprocs < 1 || numprocs > 1000) {
            if (const IniEntry* e = r.find("numprocs")) r.fail(*e, "must be between 1 and 1000");
            return;
        }
        if (!r.find("command")) r.fail_section("command is required");
        const IniEntry* pn = r.find("process_name");
        if (numprocs > 1 &&
            (pn == nullptr || pn->value.find("%(process_num)") == std::string::npos)) {
            r.fail_section("%(process_num) must be present within process_name when numprocs > 1");
        }
    }
    if (result_.errors.size() != errors_before) return;
    vars["numprocs"] = std::to_string(numprocs);
    std::vector<ProgramConfig> procs;
    for (int n = numprocs_start; n < numprocs_start + numprocs; ++n) {
        vars["process_num"] = std::to_string(n);
        SectionReader r(s, vars, result_.errors);
        ProgramConfig p;
        p.program = program;
        p.group = program;
        p.name = program;
        read_process(r, p);
        if (std::find_if(procs.begin(), procs.end(),
                         [&](const auto& q) { return q.name == p.name; }) != procs.end()) {
            r.fail_section("process_name expands to the same name twice");
            return;
        }
        procs.push_back(std::move(p));
    }
    out[program] = std::move(procs);
}

void Loader::read_process(SectionReader& r, ProgramConfig& p) {
    r.read_string("process_name", p.name);
    if (p.name.empty() || p.name.find_first_of(":/ \t\n") != std::string::npos) {
        if (const IniEntry* e = r.find("process_name")) {
            r.fail(*e, "bad process name '" + p.name + "'");
        }
    }
    r.read_string("command", p.command);
    auto words = split_command(p.command);
    if (!p.command.empty() && (!words || words->empty())) {
        r.fail(*r.find("command"), "cannot split '" + p.command + "'");
    }
    r.read_string("directory", p.directory);
    r.read("environment", p.environment, parse_environment, "environment (KEY=val,KEY2=val2)");
    r.read_string("user", p.user);
    r.read("umask", p.umask, parse_octal, "octal umask");
    r.read("priority", p.priority, parse_int, "integer");
    r.read("autostart", p.autostart, parse_bool, "boolean");
    r.read("autorestart", p.autorestart, parse_autorestart, "value (true, false or unexpected)");
    r.read("exitcodes", p.exitcodes, parse_exitcodes, "exit code list");
    r.read("startsecs", p.startsecs, parse_int, "integer");
    r.read("startretries", p.startretries, parse_int, "integer");
    r.read("stopsignal", p.stopsignal, parse_signal, "signal");
    r.read("stopwaitsecs", p.stopwaitsecs, parse_int, "integer");
    r.read("stopasgroup", p.stopasgroup, parse_bool, "boolean");
    p.killasgroup = p.stopasgroup;
    r.read("killasgroup", p.killasgroup, parse_bool, "boolean");
    r.read("redirect_stderr", p.redirect_stderr, parse_bool, "boolean");
    r.read_log("stdout_logfile", p.stdout_log);
    r.read_log("stderr_logfile", p.stderr_log);
    for (const char* key : {"startsecs", "startretries", "stopwaitsecs"}) {
        const IniEntry* e = r.find(key);
        if (e != nullptr && parse_int(e->value).value_or(0) < 0) r.fail(*e, "must be >= 0");
    }
    if (p.stopasgroup && !p.killasgroup) {
        if (const IniEntry* e = r.find("killasgroup")) {
            r.fail(*e, "cannot be false when stopasgroup is true");
        }
    }
    if (p.redirect_stderr && r.find("stderr_logfile") != nullptr) {
        result_.config.warnings.push_back(r.location(r.find("stderr_logfile")->line) +
                                          " stderr_logfile ignored: redirect_stderr is true");
    }
    if (p.redirect_stderr) p.stderr_log.path.clear();
}

void Loader::read_groups(std::map<std::string, std::vector<ProgramConfig>>& programs) {
    std::map<std::string, std::vector<ProgramConfig>> grouped;
    std::vector<std::string> taken;
    for (const auto& s : sections_) {
        if (s.name.rfind("group:", 0) != 0) continue;
        std::string group = s.name.substr(6);
        SectionReader r(s, vars_for(s), result_.errors);
        auto list = r.get("programs");
        if (!list) {
            r.fail_section("programs is required");
            continue;
        }
        int priority = 999;
        r.read("priority", priority, parse_int, "integer");
        std::string names = *list;
        std::replace(names.begin(), names.end(), ',', ' ');
        std::istringstream words(names);
        auto& members = grouped[group];
        for (std::string name; words >> name;) {
            auto it = programs.find(name);
            if (it == programs.end()) {
                r.fail(*r.find("programs"), "no such program '" + name + "'");
                continue;
            }
            for (auto p : it->second) {
                p.group = group;
                members.push_back(std::move(p));
            }
            taken.push_back(name);
        }
        if (members.empty()) {
            grouped.erase(group);
            continue;
        }
        // GroupConfig priority comes from [group:x]; keep it on the first member for build().
        std::stable_sort(members.begin(), members.end(),
                         [](const auto& a, const auto& b) { return a.priority < b.priority; });
        result_.config.groups.push_back(GroupConfig{group, priority, members});
    }
    for (const auto& name : taken) programs.erase(name);
}

}  // namespace

LoadOptions default_load_options() {
    LoadOptions o;
    o.read_file = [](const std::string& path) -> std::optional<std::string> {
        std::ifstream in(path, std::ios::binary);
        if (!in) return std::nullopt;
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    o.glob = [](const std::string& pattern) {
        std::vector<std::string> out;
        glob_t g{};
        if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
        }
        globfree(&g);
        return out;
    };
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string kv(*e);
        size_t eq = kv.find('=');
        if (eq != std::string::npos) o.env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    o.host_node_name = host;
    return o;
}

ConfigResult parse_config(const std::string& text, const std::string& path,
                          const LoadOptions& options) {
    ConfigResult result;
    result.config.path = path;
    Loader loader(options, result);
    loader.read_text(text, path, 0);
    loader.build();
    // numprocs copies of a section report the same error once.
    std::vector<std::string> unique;
    for (auto& e : result.errors)
        if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
    // Report in file order, whatever order the options were checked in.
    auto key = [](const std::string& e) {
        size_t c1 = e.find(':');
        size_t c2 = c1 == std::string::npos ? c1 : e.find(':', c1 + 1);
        long line = c2 == std::string::npos ? 0 : std::strtol(e.c_str() + c1 + 1, nullptr, 10);
        return std::pair{e.substr(0, c1), line};
    };
    std::stable_sort(unique.begin(), unique.end(),
                     [&](const auto& a, const auto& b) { return key(a) < key(b); });
    result.errors = std::move(unique);
    return result;
}

ConfigResult load_config(const std::string& path, const LoadOptions& options) {
    auto text = options.read_file(path);
    if (!text) {
        ConfigResult result;
        result.config.path = path;
        result.errors.push_back(path + ": cannot read the configuration file");
        return result;
    }
    return parse_config(*text, path, options);
}

}  // namespace lampi::supervisor
