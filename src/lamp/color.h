// Colour maths for the lamp: HSV to RGB, brightness scaling, optional gamma (pure functions).
// Channel values are duty cycles in [0, 1]; backends scale them to their own ranges.
#pragma once

#include <cstdint>

#include "lamp/lamp_state.h"

namespace lampi::lamp {

struct Rgb {
    double red = 0.0;
    double green = 0.0;
    double blue = 0.0;

    bool operator==(const Rgb&) const = default;
};

// The classic sector conversion (Python's colorsys.hsv_to_rgb, which the course uses):
// h, s, v in [0, 1], h = 0 and h = 1 are both red. Inputs outside [0, 1] are clamped.
Rgb hsv_to_rgb(double h, double s, double v);

// The duty cycles for a state: hsv_to_rgb(h, s, 1) scaled by brightness; all 0 when off.
// gamma > 0 and != 1 applies duty = value^gamma per channel (LEDs look linear at ~2.2).
Rgb duty_cycles(const LampState& state, double gamma = 1.0);

// A duty cycle in [0, 1] as an integer in [0, range], rounded to nearest.
std::uint32_t scale_duty(double duty, std::uint32_t range);

}  // namespace lampi::lamp
