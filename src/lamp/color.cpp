#include "lamp/color.h"

#include <algorithm>
#include <cmath>

namespace lampi::lamp {

namespace {

double clamp_unit(double x) {
    if (!(x >= 0.0)) return 0.0;  // also NaN
    return std::min(x, 1.0);
}

}  // namespace

Rgb hsv_to_rgb(double h, double s, double v) {
    h = clamp_unit(h);
    s = clamp_unit(s);
    v = clamp_unit(v);
    if (s == 0.0) return {v, v, v};
    const double scaled = h * 6.0;
    const int sector = static_cast<int>(std::floor(scaled)) % 6;  // h = 1 wraps to red
    const double f = scaled - std::floor(scaled);
    const double p = v * (1.0 - s);
    const double q = v * (1.0 - s * f);
    const double t = v * (1.0 - s * (1.0 - f));
    switch (sector) {
        case 0:
            return {v, t, p};
        case 1:
            return {q, v, p};
        case 2:
            return {p, v, t};
        case 3:
            return {p, q, v};
        case 4:
            return {t, p, v};
        default:
            return {v, p, q};
    }
}

Rgb duty_cycles(const LampState& state, double gamma) {
    if (!state.on) return {};
    Rgb c = hsv_to_rgb(state.hue, state.saturation, 1.0);
    const double b = clamp_unit(state.brightness);
    c = {c.red * b, c.green * b, c.blue * b};
    if (gamma > 0.0 && gamma != 1.0) {
        c = {std::pow(c.red, gamma), std::pow(c.green, gamma), std::pow(c.blue, gamma)};
    }
    return c;
}

std::uint32_t scale_duty(double duty, std::uint32_t range) {
    return static_cast<std::uint32_t>(std::lround(clamp_unit(duty) * static_cast<double>(range)));
}

}  // namespace lampi::lamp
