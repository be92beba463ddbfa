// Colour helpers for the swatch and slider tracks: the lamp's hue/saturation/brightness
// (each 0..1) as CSS colours. Pure functions.

export function hsvToRgb(h, s, v) {
    const hh = ((h % 1) + 1) % 1 * 6;
    const i = Math.floor(hh);
    const f = hh - i;
    const p = v * (1 - s);
    const q = v * (1 - s * f);
    const t = v * (1 - s * (1 - f));
    const [r, g, b] = [
        [v, t, p],
        [q, v, p],
        [p, v, t],
        [p, q, v],
        [t, p, v],
        [v, p, q],
    ][i % 6];
    return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

export function cssColor(h, s, v = 1) {
    const [r, g, b] = hsvToRgb(h, s, v);
    return `rgb(${r}, ${g}, ${b})`;
}

// The colour a lamp shows: black when off.
export function swatchColor(state) {
    if (!state || !state.on) return 'rgb(0, 0, 0)';
    return cssColor(state.h, state.s, state.brightness);
}

const HUE_NAMES = [
    [0.042, 'red'],
    [0.111, 'orange'],
    [0.181, 'yellow'],
    [0.458, 'green'],
    [0.542, 'cyan'],
    [0.736, 'blue'],
    [0.875, 'purple'],
    [0.958, 'pink'],
    [1.001, 'red'],
];

// A word for a hue, for screen readers ("Hue 210°, blue").
export function hueName(h) {
    for (const [limit, name] of HUE_NAMES) if (h < limit) return name;
    return 'red';
}
