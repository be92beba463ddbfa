#include "bridge/backoff.h"

#include <gtest/gtest.h>

namespace lampi::bridge {
namespace {

TEST(RestartBackoff, ConstantTimeoutNeverChanges) {
    config::RestartTimeout t;
    t.base = 7;
    t.constant = true;
    RestartBackoff b(t, 1);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(b.next(), std::chrono::seconds(7));
}

TEST(RestartBackoff, JitterStaysBetweenBaseAndCap) {
    config::RestartTimeout t;  // 5 / 30
    RestartBackoff b(t, 42);
    for (int i = 0; i < 200; ++i) {
        auto d = b.next();
        EXPECT_GE(d, std::chrono::seconds(5));
        EXPECT_LE(d, std::chrono::seconds(30));
    }
}

TEST(RestartBackoff, GrowsTowardsTheCapAndResets) {
    config::RestartTimeout t;
    t.base = 1;
    t.cap = 60;
    RestartBackoff b(t, 3);
    std::chrono::milliseconds last{0};
    for (int i = 0; i < 30; ++i) last = std::max(last, b.next());
    EXPECT_GT(last, std::chrono::seconds(10));
    b.reset();
    EXPECT_LE(b.next(), std::chrono::seconds(3));
}

}  // namespace
}  // namespace lampi::bridge
