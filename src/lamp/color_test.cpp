#include "lamp/color.h"

#include <gtest/gtest.h>

namespace lampi::lamp {
namespace {

struct HsvCase {
    double h, s, v;
    Rgb rgb;
};

// Values from Python's colorsys.hsv_to_rgb, which the course's lamp service uses.
const HsvCase kTable[] = {
    {0.0, 1.0, 1.0, {1.0, 0.0, 0.0}},      // red
    {1.0, 1.0, 1.0, {1.0, 0.0, 0.0}},      // h = 1 wraps to red
    {1.0 / 6, 1.0, 1.0, {1.0, 1.0, 0.0}},  // yellow
    {2.0 / 6, 1.0, 1.0, {0.0, 1.0, 0.0}},  // green
    {3.0 / 6, 1.0, 1.0, {0.0, 1.0, 1.0}},  // cyan
    {4.0 / 6, 1.0, 1.0, {0.0, 0.0, 1.0}},  // blue
    {5.0 / 6, 1.0, 1.0, {1.0, 0.0, 1.0}},  // magenta
    {0.5, 0.0, 0.7, {0.7, 0.7, 0.7}},      // no saturation: grey
    {0.0, 0.0, 0.0, {0.0, 0.0, 0.0}},      // black
    {0.25, 0.5, 1.0, {0.75, 1.0, 0.5}},    // colorsys: (0.75, 1.0, 0.5)
    {0.33, 1.0, 1.0, {0.02, 1.0, 0.0}},    // colorsys: (0.02, 1.0, 0.0)
    {0.9, 0.5, 0.8, {0.8, 0.4, 0.64}},     // colorsys: (0.8, 0.4, 0.64)
};

TEST(HsvToRgb, MatchesColorsys) {
    for (const auto& c : kTable) {
        Rgb got = hsv_to_rgb(c.h, c.s, c.v);
        EXPECT_NEAR(got.red, c.rgb.red, 1e-9) << c.h << " " << c.s << " " << c.v;
        EXPECT_NEAR(got.green, c.rgb.green, 1e-9) << c.h << " " << c.s << " " << c.v;
        EXPECT_NEAR(got.blue, c.rgb.blue, 1e-9) << c.h << " " << c.s << " " << c.v;
    }
}

TEST(HsvToRgb, ClampsInputsOutsideTheUnitRange) {
    EXPECT_EQ(hsv_to_rgb(-1, 2, 5), (Rgb{1.0, 0.0, 0.0}));
}

TEST(DutyCycles, ScalesByBrightness) {
    LampState s{2.0 / 6, 1.0, 0.5, true, "", std::nullopt};
    Rgb d = duty_cycles(s);
    EXPECT_NEAR(d.red, 0.0, 1e-9);
    EXPECT_NEAR(d.green, 0.5, 1e-9);
    EXPECT_NEAR(d.blue, 0.0, 1e-9);
}

TEST(DutyCycles, OffDrivesEveryChannelToZero) {
    LampState s{0.5, 0.2, 1.0, false, "", std::nullopt};
    EXPECT_EQ(duty_cycles(s), (Rgb{0, 0, 0}));
    EXPECT_EQ(duty_cycles(s, 2.2), (Rgb{0, 0, 0}));
}

TEST(DutyCycles, AppliesGamma) {
    LampState s{0.0, 0.0, 0.5, true, "", std::nullopt};
    Rgb d = duty_cycles(s, 2.0);
    EXPECT_NEAR(d.red, 0.25, 1e-9);
    EXPECT_NEAR(d.green, 0.25, 1e-9);
    EXPECT_NEAR(d.blue, 0.25, 1e-9);
    s.brightness = 1.0;
    EXPECT_NEAR(duty_cycles(s, 2.2).red, 1.0, 1e-9);
}

TEST(ScaleDuty, RoundsToTheRange) {
    EXPECT_EQ(scale_duty(0.0, 255), 0u);
    EXPECT_EQ(scale_duty(1.0, 255), 255u);
    EXPECT_EQ(scale_duty(0.5, 255), 128u);
    EXPECT_EQ(scale_duty(0.25, 1000000), 250000u);
    EXPECT_EQ(scale_duty(2.0, 255), 255u);
    EXPECT_EQ(scale_duty(-1.0, 255), 0u);
}

}  // namespace
}  // namespace lampi::lamp
