// Drawing codings onto a block of text: tinted highlights with one underline band per coding
// (so overlaps stay visible and countable), and the list of codings beside the block.
import { codePointsToUtf16 } from "./offsets.js";
import { piecesOf } from "./spans.js";

const MAX_BANDS = 5;

function hexToRgba(hex, alpha) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Redraw a block's text with `codings` (sorted) as highlights; the text itself is kept. */
export function drawHighlights(block, codings, { colourOf, describe }) {
  const byId = new Map(codings.map((c) => [c.id, c]));
  const parts = piecesOf(block.start, block.end, codings);
  const cuts = codePointsToUtf16(
    block.text,
    parts.map((p) => p.start - block.start),
  );
  cuts.push(block.text.length);
  const nodes = parts.map((part, i) => {
    const text = block.text.slice(cuts[i], cuts[i + 1]);
    if (!part.ids.length) return document.createTextNode(text);
    const mark = document.createElement("mark");
    mark.className = "hl";
    mark.dataset.ids = part.ids.join(" ");
    const layers = part.ids.map((id) => colourOf(byId.get(id)) || "#888888");
    mark.style.backgroundColor = hexToRgba(layers[0], 0.18);
    mark.style.boxShadow = layers
      .slice(0, MAX_BANDS)
      .map((colour, depth) => `inset 0 -${3 * (depth + 1)}px 0 ${colour}`)
      .join(", ");
    mark.style.paddingBottom = `${3 * Math.min(layers.length, MAX_BANDS) - 1}px`;
    mark.title = part.ids.map((id) => describe(byId.get(id))).join("\n");
    mark.textContent = text;
    return mark;
  });
  block.textEl.replaceChildren(...nodes);
}

/** List beside a block the codings that begin in it (or in the blank before it). */
export function drawChips(block, previous, codings, { codeOf, quoteOf }) {
  const starting = codings.filter(
    (c) => (c.start >= block.start && c.start < block.end) || (c.start < block.start && (!previous || previous.end <= c.start)),
  );
  block.marginEl.replaceChildren(...starting.map((coding) => chipFor(coding, codeOf(coding), quoteOf)));
}

function chipFor(coding, code, quoteOf) {
  const chip = document.createElement("button");
  chip.type = "button";
  chip.className = "ws-chip";
  chip.dataset.id = coding.id;
  const quote = quoteOf(coding.start, coding.end);
  chip.setAttribute(
    "aria-label",
    `${code?.path ?? "?"} by ${coding.coder}: “${quote.slice(0, 80)}”. Enter ${coding.editable ? "edits, Delete removes" : "shows it"}.`,
  );
  const swatch = document.createElement("span");
  swatch.className = "code-swatch";
  swatch.style.background = code?.colour ?? "#888";
  swatch.setAttribute("aria-hidden", "true");
  const name = document.createElement("span");
  name.textContent = code?.name ?? "?";
  const who = document.createElement("span");
  who.className = "ws-chip-coder";
  who.textContent = coding.coder;
  chip.append(swatch, name, who);
  return chip;
}
