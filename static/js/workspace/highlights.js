// Drawing codings onto a block of text: tinted highlights with one underline band per coding,
// each band apart from the next (so two coders' codings of one span show as two bands and the
// bands can be counted), and the list of codings beside the block.
import { bandColour, PAGE, TINT_ALPHA, tint } from "./colours.js";
import { codePointsToUtf16 } from "./offsets.js";
import { piecesOf } from "./spans.js";

export const BAND = 3; // px of each band
export const GAP = 1; // px of page between two bands

/** The box-shadow that draws one band per colour, the first nearest the text. */
export function bandShadow(colours) {
  const layers = [];
  colours.forEach((colour, depth) => {
    const top = (BAND + GAP) * depth;
    if (depth) layers.push(`inset 0 -${top}px 0 ${PAGE}`);
    layers.push(`inset 0 -${top + BAND}px 0 ${bandColour(colour)}`);
  });
  // Nearest the text first: CSS paints the first shadow on top of the deeper ones.
  return layers.join(", ");
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
  let most = 1;
  const nodes = parts.map((part, i) => {
    const text = block.text.slice(cuts[i], cuts[i + 1]);
    if (!part.ids.length) return document.createTextNode(text);
    const mark = document.createElement("mark");
    mark.className = "hl";
    mark.dataset.ids = part.ids.join(" ");
    mark.dataset.bands = `${part.ids.length}`;
    const colours = part.ids.map((id) => colourOf(byId.get(id)) || "#6c757d");
    mark.style.backgroundColor = tint(colours[0], TINT_ALPHA);
    mark.style.boxShadow = bandShadow(colours);
    mark.style.paddingBottom = `${(BAND + GAP) * colours.length - GAP}px`;
    mark.dataset.describe = part.ids.map((id) => describe(byId.get(id))).join("\n");
    mark.textContent = text;
    most = Math.max(most, colours.length);
    return mark;
  });
  block.textEl.replaceChildren(...nodes);
  // Lines move apart as bands pile up, so the bands never cover the next line's words.
  block.textEl.style.setProperty("--ws-bands", `${most}`);
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
  const quote = quoteOf(coding);
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
