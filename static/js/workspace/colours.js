// Colours of highlights, checked by WCAG contrast: a band must stand out from the page by
// 3:1, and text over a tint must keep 4.5:1. Pure functions, tested in tests/js/.

export const TINT_ALPHA = 0.18; // the highlight's background: its first code's colour at 18%
export const PAGE = "#ffffff";
export const TEXT = "#212529";

function channels(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb) {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

/** WCAG relative luminance of #rrggbb. */
export function luminance(hex) {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The colour `hex` at `alpha` over the page, as an opaque #rrggbb. */
export function tint(hex, alpha = TINT_ALPHA) {
  const page = channels(PAGE);
  return toHex(channels(hex).map((c, i) => c * alpha + page[i] * (1 - alpha)));
}

/** The band colour for a code: its own colour, darkened just enough to reach 3:1. */
export function bandColour(hex) {
  if (!/^#[0-9a-fA-F]{6}$/.test(hex ?? "")) return "#6c757d";
  let rgb = channels(hex);
  for (let step = 0; step < 40 && contrast(toHex(rgb), PAGE) < 3; step += 1) {
    rgb = rgb.map((c) => c * 0.93);
  }
  return toHex(rgb);
}
