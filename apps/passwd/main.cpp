// lampi-passwd: manage Mosquitto password files, a drop-in for mosquitto_passwd 2.0.11 (same
// arguments, prompts, messages and exit statuses). The edits live in auth/passwd_edit.h; this
// file parses argv, prompts, and reads and writes the file.
//
// Deliberate differences from mosquitto_passwd 2.0.11:
//   - the file is replaced atomically (temporary file in the same directory + rename, keeping
//     the old file's mode and, when permitted, owner); if the directory is not writable the
//     file is rewritten in place as Mosquitto does;
//   - a corrupt line makes a password update fail (exit 1, file untouched) instead of dropping
//     the rest of the file; -I applies to -U too; a last line without '\n' is not glued to an
//     appended user.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "auth/passwd_edit.h"
#include "auth/password_hash.h"
#include "passwd/file_io.h"

namespace {

using lampi::auth::HashType;

constexpr std::size_t kMaxLength = 65535;

// mosquitto_passwd's usage text with lampi's name in it.
void print_usage() {
    std::fputs(
        "lampi-passwd is a tool for managing password files for mosquitto.\n\n"
        "Usage: lampi-passwd [-H sha512 | -H sha512-pbkdf2] [-c | -D] passwordfile username\n"
        "       lampi-passwd [-H sha512 | -H sha512-pbkdf2] [-c] -b passwordfile username "
        "password\n"
        "       lampi-passwd -U passwordfile\n"
        " -b : run in batch mode to allow passing passwords on the command line.\n"
        " -c : create a new password file. This will overwrite existing files.\n"
        " -D : delete the username rather than adding/updating its password.\n"
        " -H : specify the hashing algorithm. Defaults to sha512-pbkdf2, which is recommended.\n"
        "      Mosquitto 1.6 and earlier defaulted to sha512.\n"
        " -U : update a plain text password file to use hashed passwords.\n"
        "\nSee https://mosquitto.org/ for more information.\n\n",
        stdout);
}

void error(const std::string& message) {
    if (!message.empty()) std::fprintf(stderr, "%s\n", message.c_str());
}

// ---- argv -----------------------------------------------------------------------------------
// Hand-written rather than CLI11: mosquitto_passwd stops at the first word that is not one of
// its options (so "-x" or a file named "-c" after a positional are positionals), counts the
// remaining words per mode, checks option conflicts in a fixed order with its own messages,
// and parses -I with atoi(). CLI11 cannot reproduce that without fighting it.
struct Args {
    HashType hash = HashType::Sha512Pbkdf2;
    int iterations = lampi::auth::kDefaultIterations;
    bool batch = false;
    bool create = false;
    bool remove = false;
    bool upgrade = false;
    std::string file;
    std::optional<std::string> username;
    std::optional<std::string> password;  // -b
};

// Returns the exit status to stop with, or nullopt to go on.
std::optional<int> parse_args(int argc, char** argv, Args& a) {
    if (argc == 1) {
        print_usage();
        return 1;
    }
    int idx = 1;
    for (; idx < argc; ++idx) {
        std::string_view arg = argv[idx];
        if (arg == "-H" || arg == "-I") {
            if (idx + 1 == argc) {
                error("Error: " + std::string(arg) +
                      " argument given but not enough other arguments.");
                return 1;
            }
            std::string_view value = argv[++idx];
            if (arg == "-I") {
                a.iterations = std::atoi(value.data());
                if (a.iterations < 1) {
                    error("Error: Number of iterations must be > 0.");
                    return 1;
                }
            } else if (value == "sha512") {
                a.hash = HashType::Sha512;
            } else if (value == "sha512-pbkdf2") {
                a.hash = HashType::Sha512Pbkdf2;
            } else {
                error("Error: Unknown hash type '" + std::string(value) + "'");
                return 1;
            }
        } else if (arg == "-b") {
            a.batch = true;
        } else if (arg == "-c") {
            a.create = true;
        } else if (arg == "-D") {
            a.remove = true;
        } else if (arg == "-U") {
            a.upgrade = true;
        } else {
            break;
        }
    }
    if (a.create && a.remove) return error("Error: -c and -D cannot be used together."), 1;
    if (a.create && a.upgrade) return error("Error: -c and -U cannot be used together."), 1;
    if (a.remove && a.upgrade) return error("Error: -D and -U cannot be used together."), 1;
    if (a.remove && a.batch) return error("Error: -b and -D cannot be used together."), 1;

    const int left = argc - idx;
    auto take = [&](int n) {
        a.file = argv[idx];
        if (n >= 2) a.username = argv[idx + 1];
        if (n >= 3) a.password = argv[idx + 2];
    };
    if (a.create) {
        if (left < (a.batch ? 3 : 2)) {
            error(a.batch ? "Error: -c argument given but password file, username, or password "
                            "missing."
                          : "Error: -c argument given but password file or username missing.");
            return 1;
        }
        take(a.batch ? 3 : 2);
    } else if (a.remove) {
        if (left < 2) {
            error("Error: -D argument given but password file or username missing.");
            return 1;
        }
        take(2);
    } else if (a.upgrade) {
        if (left != 1) {
            error("Error: -U argument given but password file missing.");
            return 1;
        }
        take(1);
    } else if (a.batch && left == 3) {
        take(3);
    } else if (!a.batch && left == 2) {
        take(2);
    } else {
        print_usage();
        return 1;
    }
    return std::nullopt;
}

bool username_valid(const std::optional<std::string>& username) {
    if (!username) return true;
    if (username->size() > kMaxLength) {
        error("Error: Username must be less than 65536 characters long.");
        return false;
    }
    for (char c : *username) {
        if (std::iscntrl(static_cast<unsigned char>(c))) {
            error("Error: Username must not contain control characters.");
            return false;
        }
    }
    if (username->find(':') != std::string::npos) {
        error("Error: Username must not contain the ':' character.");
        return false;
    }
    return true;
}

// ---- password prompt ------------------------------------------------------------------------
// Prompts on stdout and reads a line from stdin; on a terminal, echo is off while reading (line
// editing stays on). Not a terminal: plain lines, as mosquitto_passwd reads them.
struct termios g_saved_termios;
volatile sig_atomic_t g_termios_saved = 0;

void restore_terminal() {
    if (g_termios_saved) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
}

// mosquitto_passwd restores the terminal and exits with status 0 on SIGINT/SIGTERM.
extern "C" void on_signal(int) {
    restore_terminal();
    _exit(0);
}

// Echo goes off before the prompt is shown, so typing right after it is never echoed.
std::optional<std::string> read_quiet_line(const char* prompt) {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &g_saved_termios) == 0) {
        g_termios_saved = 1;
        struct termios quiet = g_saved_termios;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::fputs(prompt, stdout);
    std::fflush(stdout);
    std::string line;
    bool got_any = false;
    int c;
    while ((c = std::getchar()) != EOF) {
        got_any = true;
        if (c == '\n') break;
        line += static_cast<char>(c);
    }
    restore_terminal();
    g_termios_saved = 0;
    if (!got_any) return std::nullopt;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (line.empty()) return std::nullopt;
    std::fputs("\n", stdout);
    return line;
}

// Returns the password, or nullopt with `status`: 1 for an empty password, 2 when they differ.
std::optional<std::string> get_password(int& status) {
    auto first = read_quiet_line("Password: ");
    if (!first) {
        error("Error: Empty password.");
        status = 1;
        return std::nullopt;
    }
    auto second = read_quiet_line("Reenter password: ");
    if (!second) {
        error("Error: Empty password.");
        status = 1;
        return std::nullopt;
    }
    std::fflush(stdout);
    if (*first != *second) {
        error("Error: Passwords do not match.");
        status = 2;
        return std::nullopt;
    }
    return first;
}

// ---- main -----------------------------------------------------------------------------------
int run(const Args& a) {
    std::string path;
    if (!lampi::passwd::resolve_path(a.file, path)) {
        error(std::string("Error reading password file: ") + std::strerror(errno));
        return 1;
    }
    lampi::auth::passwd::Hasher hasher = [&a](std::string_view password) {
        return lampi::auth::make_password_hash(password, a.hash, a.iterations);
    };
    std::string password;
    int status = 0;
    if (a.password) password = *a.password;

    if (a.create) {
        if (!a.batch) {
            auto typed = get_password(status);
            if (!typed) return status;
            password = *typed;
        }
        auto edit = lampi::auth::passwd::set_password("", *a.username, password, hasher);
        if (!edit.ok) return error(edit.error), 1;
        std::string why;
        if (!lampi::passwd::replace_file(path, edit.text, /*must_exist=*/false, why)) {
            error("Error: Unable to open file " + path + " for writing. " + why + ".");
            return 1;
        }
        return 0;
    }

    std::string text, why;
    if (!lampi::passwd::read_for_update(path, text, why)) {
        error("Error: Unable to open password file " + path + ". " + why + ".");
        return 1;
    }
    lampi::auth::passwd::EditResult edit;
    if (a.remove) {
        edit = lampi::auth::passwd::delete_user(text, *a.username);
    } else if (a.upgrade) {
        edit = lampi::auth::passwd::upgrade_plaintext(text, hasher);
    } else {
        if (!a.batch) {
            auto typed = get_password(status);
            if (!typed) return status;
            password = *typed;
        }
        edit = lampi::auth::passwd::set_password(text, *a.username, password, hasher);
    }
    if (!edit.ok) return error(edit.error), 1;
    if (!lampi::passwd::replace_file(path, edit.text, /*must_exist=*/true, why)) {
        error("Error occurred updating password file: " + why + ".");
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    Args args;
    if (auto status = parse_args(argc, argv, args)) return *status;
    if (!username_valid(args.username)) return 1;
    if (args.password && args.password->size() > kMaxLength) {
        error("Error: Password must be less than 65536 characters long.");
        return 1;
    }
    return run(args);
}
