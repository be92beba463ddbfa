// Mosquitto password hashes, as stored after "user:" in a password_file.
//   $7$<iterations>$<base64 salt>$<base64 hash>  PBKDF2-HMAC-SHA512 (Mosquitto 2 default)
//   $6$<base64 salt>$<base64 hash>               SHA512(password + salt) (Mosquitto 1.x)
// Base64 is standard with '=' padding and no line breaks, as Mosquitto writes it. Pure functions
// over OpenSSL; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lampi::auth {

enum class HashType { Sha512 = 6, Sha512Pbkdf2 = 7 };

inline constexpr int kDefaultIterations = 101;  // Mosquitto 2's PW_DEFAULT_ITERATIONS
inline constexpr std::size_t kSaltLength = 12;  // what mosquitto_passwd writes
inline constexpr std::size_t kHashLength = 64;  // SHA512 output

struct PasswordHash {
    HashType type = HashType::Sha512Pbkdf2;
    int iterations = 0;  // Sha512Pbkdf2 only
    std::vector<unsigned char> salt;
    std::vector<unsigned char> hash;

    // True when `password` hashes to `hash`; compares in constant time (CRYPTO_memcmp).
    bool verify(std::string_view password) const;
    // The stored form: "$7$101$<salt>$<hash>" or "$6$<salt>$<hash>".
    std::string to_string() const;
};

// Parses a stored hash the way Mosquitto 2.0 does: '$'-separated fields (empty fields are
// skipped, as strtok does), type 6 or 7, iterations >= 1 for type 7, a salt of 12 or 64 bytes
// and a hash of 64 bytes after base64 decoding. On failure `error` says why (never the hash).
struct ParsedHash {
    std::optional<PasswordHash> hash;
    std::string error;
};
ParsedHash parse_password_hash(std::string_view text);

// A new stored hash with a fresh random 12-byte salt (RAND_bytes). `iterations` must be >= 1
// and is ignored for Sha512. Returns an empty string only if OpenSSL fails.
std::string make_password_hash(std::string_view password, int iterations = kDefaultIterations);
std::string make_password_hash(std::string_view password, HashType type, int iterations);

// Base64 as Mosquitto's base64__encode/decode (BIO_f_base64 without newlines).
std::string base64_encode(const std::vector<unsigned char>& data);
std::optional<std::vector<unsigned char>> base64_decode(std::string_view text);

}  // namespace lampi::auth
