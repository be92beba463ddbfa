#include "auth/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <climits>

namespace lampi::auth {
namespace {

// The digest of `password` with `salt` under `type`; empty if OpenSSL fails.
std::vector<unsigned char> digest(std::string_view password, const std::vector<unsigned char>& salt,
                                  HashType type, int iterations) {
    std::vector<unsigned char> out(kHashLength);
    if (password.size() > INT_MAX || salt.size() > INT_MAX) {
        return {};
    }
    if (type == HashType::Sha512Pbkdf2) {
        if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                              static_cast<int>(salt.size()), iterations, EVP_sha512(),
                              static_cast<int>(out.size()), out.data()) != 1) {
            return {};
        }
        return out;
    }
    // Mosquitto 1.x: SHA512 over the password followed by the salt.
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
              EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
              EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
              EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
    EVP_MD_CTX_free(ctx);
    return ok ? out : std::vector<unsigned char>{};
}

// Splits like strtok(s, "$"): empty fields vanish.
std::vector<std::string_view> dollar_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('$', pos);
        if (end == std::string_view::npos) end = text.size();
        if (end > pos) fields.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return fields;
}

// atoi() as Mosquitto uses it: leading digits, anything after them ignored, 0 if none.
int leading_int(std::string_view s) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    (void)ptr;
    return ec == std::errc() ? value : 0;
}

}  // namespace

std::string base64_encode(const std::vector<unsigned char>& data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                            static_cast<int>(data.size()));
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0 || text.size() > INT_MAX) {
        return std::nullopt;
    }
    std::vector<unsigned char> out(text.size() / 4 * 3);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the bytes the '=' padding stands for; drop them.
    std::size_t padding = 0;
    if (text.back() == '=') ++padding;
    if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

bool PasswordHash::verify(std::string_view password) const {
    std::vector<unsigned char> computed = digest(password, salt, type, iterations);
    return !computed.empty() && computed.size() == hash.size() &&
           CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

std::string PasswordHash::to_string() const {
    std::string out = "$" + std::to_string(static_cast<int>(type)) + "$";
    if (type == HashType::Sha512Pbkdf2) {
        out += std::to_string(iterations) + "$";
    }
    return out + base64_encode(salt) + "$" + base64_encode(hash);
}

ParsedHash parse_password_hash(std::string_view text) {
    ParsedHash result;
    std::vector<std::string_view> fields = dollar_fields(text);
    if (fields.empty()) {
        result.error = "invalid password hash";
        return result;
    }
    PasswordHash h;
    std::size_t next = 1;
    if (fields[0] == "6") {
        h.type = HashType::Sha512;
    } else if (fields[0] == "7") {
        h.type = HashType::Sha512Pbkdf2;
        if (fields.size() < 2) {
            result.error = "invalid password hash";
            return result;
        }
        h.iterations = leading_int(fields[1]);
        if (h.iterations < 1) {
            result.error = "invalid hash iterations";
            return result;
        }
        next = 2;
    } else {
        result.error = "invalid password hash type";
        return result;
    }
    if (fields.size() < next + 1) {
        result.error = "invalid password hash";
        return result;
    }
    auto salt = base64_decode(fields[next]);
    if (!salt || (salt->size() != kSaltLength && salt->size() != kHashLength)) {
        result.error = "unable to decode password salt";
        return result;
    }
    if (fields.size() < next + 2) {
        result.error = "invalid password hash";
        return result;
    }
    auto hash = base64_decode(fields[next + 1]);
    if (!hash || hash->size() != kHashLength) {
        result.error = "unable to decode password";
        return result;
    }
    h.salt = std::move(*salt);
    h.hash = std::move(*hash);
    result.hash = std::move(h);
    return result;
}

std::string make_password_hash(std::string_view password, int iterations) {
    return make_password_hash(password, HashType::Sha512Pbkdf2, iterations);
}

std::string make_password_hash(std::string_view password, HashType type, int iterations) {
    PasswordHash h;
    h.type = type;
    h.iterations = type == HashType::Sha512Pbkdf2 ? iterations : 0;
    if (type == HashType::Sha512Pbkdf2 && iterations < 1) {
        return {};
    }
    h.salt.resize(kSaltLength);
    if (RAND_bytes(h.salt.data(), static_cast<int>(h.salt.size())) != 1) {
        return {};
    }
    h.hash = digest(password, h.salt, type, iterations);
    if (h.hash.empty()) {
        return {};
    }
    return h.to_string();
}

}  // namespace lampi::auth
