#include "auth/password_hash.h"

#include <gtest/gtest.h>

namespace lampi::auth {
namespace {

std::vector<unsigned char> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Base64, EncodesWithPaddingAndNoLineBreaks) {
    EXPECT_EQ(base64_encode(bytes("")), "");
    EXPECT_EQ(base64_encode(bytes("f")), "Zg==");
    EXPECT_EQ(base64_encode(bytes("fo")), "Zm8=");
    EXPECT_EQ(base64_encode(bytes("foo")), "Zm9v");
    EXPECT_EQ(base64_encode(std::vector<unsigned char>(64, 0xff)).find('\n'), std::string::npos);
}

TEST(Base64, DecodesWhatItEncodes) {
    for (std::string_view s : {"f", "fo", "foo", "foob", "fooba", "foobar"}) {
        auto decoded = base64_decode(base64_encode(bytes(s)));
        ASSERT_TRUE(decoded.has_value()) << s;
        EXPECT_EQ(*decoded, bytes(s));
    }
}

TEST(Base64, RejectsInvalidInput) {
    EXPECT_FALSE(base64_decode("").has_value());
    EXPECT_FALSE(base64_decode("Zg=").has_value());
    EXPECT_FALSE(base64_decode("Z!==").has_value());
}

TEST(PasswordHash, VerifiesAPbkdf2HashMadeByMosquittoPasswd) {
    // mosquitto_passwd -c -b f user pass (Mosquitto 2.0.11)
    auto parsed = parse_password_hash(
        "$7$101$/p9w2Tn2wnn5R6H7$6XQW6MgbMvqf3AHrzzUw3esTM+K6ndJWkUnoYackobgD2FzdiTYd5pm/"
        "Z5LBeFh163xaAMl3mhC2YN5GNNi0Lw==");
    ASSERT_TRUE(parsed.hash.has_value()) << parsed.error;
    EXPECT_EQ(parsed.hash->type, HashType::Sha512Pbkdf2);
    EXPECT_EQ(parsed.hash->iterations, 101);
    EXPECT_EQ(parsed.hash->salt.size(), kSaltLength);
    EXPECT_EQ(parsed.hash->hash.size(), kHashLength);
    EXPECT_TRUE(parsed.hash->verify("pass"));
    EXPECT_FALSE(parsed.hash->verify("Pass"));
    EXPECT_FALSE(parsed.hash->verify(""));
}

TEST(PasswordHash, VerifiesASha512HashMadeByMosquittoPasswd) {
    // mosquitto_passwd -H sha512 -b f old pass
    auto parsed = parse_password_hash(
        "$6$Z2GI7jmtNbww6lwH$8xf6GL2RIDSnM3cd9lNuMW5LkKE5buY+jzXfOrNIIAvx+XxDWbvrH40mZauX5okWK4qB7"
        "7aVpk7XzjCpjbBueQ==");
    ASSERT_TRUE(parsed.hash.has_value()) << parsed.error;
    EXPECT_EQ(parsed.hash->type, HashType::Sha512);
    EXPECT_TRUE(parsed.hash->verify("pass"));
    EXPECT_FALSE(parsed.hash->verify("pas"));
}

TEST(PasswordHash, PrintsTheSameTextItParsed) {
    std::string text =
        "$7$5$xfZHFrFYEt+uHcOz$Jt4doE1F82Sna0Ux8DSEMXYsefaDrZigQg0691opo5L6AL0zR5j7FKLbooTlQMEsN+"
        "EfklCFc3W0wdzGL8uwkA==";
    auto parsed = parse_password_hash(text);
    ASSERT_TRUE(parsed.hash.has_value());
    EXPECT_EQ(parsed.hash->to_string(), text);
    EXPECT_TRUE(parsed.hash->verify("pass"));
}

TEST(PasswordHash, MakesPbkdf2HashesWithMosquittoDefaults) {
    std::string text = make_password_hash("s3cret");
    ASSERT_EQ(text.rfind("$7$101$", 0), 0u) << text;
    auto parsed = parse_password_hash(text);
    ASSERT_TRUE(parsed.hash.has_value()) << parsed.error;
    EXPECT_EQ(parsed.hash->salt.size(), 12u);
    EXPECT_TRUE(parsed.hash->verify("s3cret"));
    EXPECT_FALSE(parsed.hash->verify("s3cret "));
    EXPECT_NE(make_password_hash("s3cret"), text) << "salt must be random";
}

TEST(PasswordHash, MakesHashesWithOtherIterationsAndSha512) {
    auto p = parse_password_hash(make_password_hash("x", 7));
    ASSERT_TRUE(p.hash.has_value());
    EXPECT_EQ(p.hash->iterations, 7);
    EXPECT_TRUE(p.hash->verify("x"));
    std::string six = make_password_hash("x", HashType::Sha512, 0);
    ASSERT_EQ(six.rfind("$6$", 0), 0u);
    auto q = parse_password_hash(six);
    ASSERT_TRUE(q.hash.has_value());
    EXPECT_TRUE(q.hash->verify("x"));
    EXPECT_EQ(make_password_hash("x", 0), "");
}

TEST(PasswordHash, RejectsMalformedHashesWithAReason) {
    const std::string salt = "MHKqyguxvjcn/+AJ";
    const std::string hash = base64_encode(std::vector<unsigned char>(64, 1));
    struct Case {
        std::string text;
        std::string error;
    } cases[] = {
        {"", "invalid password hash"},
        {"plaintext", "invalid password hash type"},
        {"$5$" + salt + "$" + hash, "invalid password hash type"},
        {"$7$0$" + salt + "$" + hash, "invalid hash iterations"},
        {"$7$x$" + salt + "$" + hash, "invalid hash iterations"},
        {"$7$101$" + salt, "invalid password hash"},
        {"$7$101$Zm9v$" + hash, "unable to decode password salt"},
        {"$7$101$" + salt + "$Zm9v", "unable to decode password"},
        {"$6$" + salt, "invalid password hash"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_password_hash(c.text);
        EXPECT_FALSE(parsed.hash.has_value()) << c.text;
        EXPECT_EQ(parsed.error, c.error) << c.text;
    }
}

TEST(PasswordHash, SkipsEmptyFieldsAsStrtokDoes) {
    auto parsed = parse_password_hash(
        "$$7$$101$/p9w2Tn2wnn5R6H7$6XQW6MgbMvqf3AHrzzUw3esTM+K6ndJWkUnoYackobgD2FzdiTYd5pm/"
        "Z5LBeFh163xaAMl3mhC2YN5GNNi0Lw==$extra");
    ASSERT_TRUE(parsed.hash.has_value()) << parsed.error;
    EXPECT_TRUE(parsed.hash->verify("pass"));
}

}  // namespace
}  // namespace lampi::auth
