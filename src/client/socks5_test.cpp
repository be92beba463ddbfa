// SOCKS5 message tests: exact bytes per RFC 1928 / RFC 1929, annotated field by field.
#include "client/socks5.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lampi::client::socks5 {
namespace {

std::string raw(std::initializer_list<int> bytes) {
    std::string out;
    for (int b : bytes) out += static_cast<char>(b);
    return out;
}

TEST(Socks5, GreetingOffersNoAuthenticationOnly) {
    EXPECT_EQ(greeting(false), raw({5, /*methods*/ 1, /*no auth*/ 0}));
}

TEST(Socks5, GreetingOffersPasswordWhenAUsernameIsSet) {
    EXPECT_EQ(greeting(true), raw({5, 2, /*no auth*/ 0, /*username/password*/ 2}));
}

TEST(Socks5, MethodReplyNoAcceptableMethodIsAnError) {
    std::string error;
    const std::vector<std::uint8_t> reply{5, 0xFF};
    EXPECT_FALSE(check_method_reply(reply, true, error));
    EXPECT_NE(error.find("no acceptable"), std::string::npos);
}

TEST(Socks5, MethodReplyPasswordOnlyIfOffered) {
    std::string error;
    const std::vector<std::uint8_t> reply{5, 2};
    EXPECT_EQ(check_method_reply(reply, true, error), 2);
    EXPECT_FALSE(check_method_reply(reply, false, error));
}

TEST(Socks5, PasswordRequestIsLengthPrefixed) {
    std::string error;
    EXPECT_EQ(password_request("ab", "xyz", error),
              raw({/*subnegotiation version*/ 1, 2, 'a', 'b', 3, 'x', 'y', 'z'}));
    EXPECT_TRUE(password_request(std::string(256, 'u'), "p", error).empty());
}

TEST(Socks5, PasswordReplyStatusZeroIsSuccess) {
    std::string error;
    EXPECT_TRUE(check_password_reply(std::vector<std::uint8_t>{1, 0}, error));
    EXPECT_FALSE(check_password_reply(std::vector<std::uint8_t>{1, 1}, error));
}

TEST(Socks5, ConnectRequestSendsHostNamesForTheProxyToResolve) {
    std::string error;
    EXPECT_EQ(connect_request("ab.c", 1883, error),
              raw({5, /*CONNECT*/ 1, /*reserved*/ 0, /*domain*/ 3, 4, 'a', 'b', '.', 'c',
                   /*port*/ 0x07, 0x5B}));
}

TEST(Socks5, ConnectRequestSendsAddressLiteralsAsAddresses) {
    std::string error;
    EXPECT_EQ(connect_request("127.0.0.1", 8883, error),
              raw({5, 1, 0, /*IPv4*/ 1, 127, 0, 0, 1, 0x22, 0xB3}));
    const std::string v6 = connect_request("::1", 1, error);
    ASSERT_EQ(v6.size(), 4u + 16u + 2u);
    EXPECT_EQ(v6[3], 4);   // IPv6
    EXPECT_EQ(v6[19], 1);  // last byte of ::1
}

TEST(Socks5, ConnectReplyLengthDependsOnTheAddressType) {
    std::string error;
    EXPECT_EQ(connect_reply_length(std::vector<std::uint8_t>{5, 0, 0, 1, 0}, error), 10u);
    EXPECT_EQ(connect_reply_length(std::vector<std::uint8_t>{5, 0, 0, 4, 0}, error), 22u);
    EXPECT_EQ(connect_reply_length(std::vector<std::uint8_t>{5, 0, 0, 3, 9}, error), 16u);
}

TEST(Socks5, ConnectReplyWithAnErrorCodeNamesIt) {
    std::string error;
    EXPECT_FALSE(connect_reply_length(std::vector<std::uint8_t>{5, 5, 0, 1, 0}, error));
    EXPECT_EQ(error, "Proxy error: connection refused");
}

}  // namespace
}  // namespace lampi::client::socks5
