// libFuzzer target: the password-file, ACL-file and PSK-file readers, the ACL check and the
// lampi-passwd edits must not crash, hang or leak on any text. The first byte picks the reader;
// the rest is the file (0: password file, 1: ACL file, 2: lampi-passwd edits, 3: PSK file). Seeds:
// the files under tests/data/auth with such a byte in front.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/acl_file.h"
#include "auth/passwd_edit.h"
#include "auth/password_file.h"
#include "auth/psk_file.h"

namespace {

const lampi::auth::passwd::Hasher kFakeHasher = [](std::string_view p) {
    return "$6$" + std::string(p.substr(0, 8));
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {
            // No check() here: PBKDF2 with fuzzed iteration counts would only measure time.
            auto loaded = lampi::auth::PasswordFile::load_from_string(text, "fuzz.passwd");
            (void)loaded.value.has_user("user");
            break;
        }
        case 1: {
            auto loaded = lampi::auth::AclFile::load_from_string(text, "fuzz.acl");
            const lampi::auth::ClientInfo clients[] = {
                {"client", std::nullopt}, {"client", "user"}, {"c+#", "u/x"}};
            for (const auto& client : clients) {
                for (std::string_view topic : {"a/b", "client/x", "user/client", "$SYS/x", "/"}) {
                    (void)loaded.value.allowed(client, topic, lampi::auth::Access::Read);
                    (void)loaded.value.allowed(client, topic, lampi::auth::Access::Write);
                }
            }
            break;
        }
        case 3: {
            auto loaded = lampi::auth::PskFile::load_from_string(text, "fuzz.psk");
            (void)loaded.value.key("identity");
            break;
        }
        default:
            (void)lampi::auth::passwd::set_password(text, "user", "pw", kFakeHasher);
            (void)lampi::auth::passwd::delete_user(text, "user");
            (void)lampi::auth::passwd::upgrade_plaintext(text, kFakeHasher);
            break;
    }
    return 0;
}
