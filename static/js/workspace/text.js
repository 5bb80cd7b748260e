// The source's text as a page shows it (the coding page, and read-only the source's reading
// page). The text comes from the API in pieces (whole turns and paragraphs, a few thousand code
// points each; interviews/layout.py): every piece has a placeholder sized from its length, and
// only the pieces on screen and near it are drawn. `blocks` are the drawn blocks (turns,
// paragraphs) in reading order; offsets are code points.
import { sliceCodePoints, utf16ToCodePoint } from "./offsets.js";
import { blockHolding, units } from "./selecting.js";
import { lastStartingAtOrBefore } from "./spans.js";

const NEAR = "1500px 0px"; // drawn ahead of the screen, above and below
const FAR = "8000px 0px"; // drawn pieces further away than this are let go
const MAX_SPAN = 60000; // code points one request may ask for (api/routers/text.py)

let shared = null;

/** The page's one text (workspace.js, player.js and suggestions.js share it). */
export function pageText() {
  if (!shared) {
    const data = JSON.parse(document.getElementById("workspace-data").textContent);
    shared = makeText(document.querySelector(".ws-text-area"), {
      url: data.urls.pieces,
      length: data.source.length,
    });
  }
  return shared;
}

/** The text of `article`; `margins`: each block keeps a margin for its codings' chips. */
export function makeText(article, { url, length, margins = true }) {
  const blocks = []; // drawn blocks, in order
  const blockOf = new Map();
  const sentences = []; // stored sentences of the pieces fetched so far, in order
  let outline = []; // every piece: {index, start, end, el, data, drawn}
  const listeners = { draw: [], remove: [] };
  let pxPerPoint = 0.4;
  let started = null;

  async function fetchPieces(start, end, withOutline = false) {
    const query = new URLSearchParams({ start, end });
    if (withOutline) query.set("outline", "true");
    const response = await fetch(`${url}?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(body?.error || `The server answered ${response.status}.`);
    return body;
  }

  function keep(rows) {
    let added = false;
    for (const row of rows) {
      const piece = outline[row.index];
      if (!piece || piece.data) continue;
      piece.data = row;
      sentences.push(...row.sentences);
      added = true;
    }
    if (!added) return;
    // In order and once each (a sentence may reach over the edge of its piece).
    const unique = new Map(sentences.map((s) => [`${s[0]}-${s[1]}`, s]));
    sentences.splice(0, sentences.length, ...[...unique.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  }

  // ---- placeholders and drawing -------------------------------------------------------
  function placeholder(piece) {
    const el = document.createElement("div");
    el.className = "ws-piece";
    el.dataset.index = piece.index;
    el.dataset.start = piece.start;
    el.dataset.end = piece.end;
    el.style.height = `${Math.max(24, Math.round((piece.end - piece.start) * pxPerPoint))}px`;
    return el;
  }

  function sectionFor(row, text, pieceStart) {
    const el = document.createElement("section");
    el.className = "ws-block";
    el.tabIndex = 0;
    el.dataset.start = row.start;
    el.dataset.end = row.end;
    el.dataset.bodyStart = row.body_start;
    el.setAttribute("aria-label", row.speaker ? `Turn of ${row.speaker}` : `Paragraph at ${row.start}`);
    const head = document.createElement("div");
    head.className = "ws-speaker";
    head.setAttribute("aria-hidden", "true");
    if (row.speaker && !row.part) {
      head.append(row.speaker);
      if (row.time) {
        const stamp = document.createElement("span");
        stamp.className = "ws-stamp font-monospace";
        stamp.textContent = row.time;
        head.append(stamp);
      }
    }
    const textEl = document.createElement("div");
    textEl.className = "ws-text";
    textEl.textContent = sliceCodePoints(text, row.start - pieceStart, row.end - pieceStart);
    let marginEl = null;
    if (margins) {
      marginEl = document.createElement("div");
      marginEl.className = "ws-margin";
      marginEl.setAttribute("role", "group");
      marginEl.setAttribute("aria-label", "Codings in this passage");
    }
    el.append(...[head, textEl, marginEl].filter(Boolean));
    return {
      el,
      textEl,
      marginEl,
      start: row.start,
      end: row.end,
      bodyStart: row.body_start,
      text: textEl.textContent,
      piece: null,
      index: 0,
    };
  }

  function reindex() {
    blocks.forEach((block, i) => {
      block.index = i;
    });
  }

  function draw(piece) {
    if (piece.drawn || !piece.data) return [];
    const made = piece.data.blocks.map((row) => sectionFor(row, piece.data.text, piece.start));
    for (const block of made) block.piece = piece;
    piece.el.replaceChildren(...made.map((b) => b.el));
    piece.el.style.height = "";
    piece.drawn = true;
    let at = lastStartingAtOrBefore(blocks, piece.start) + 1;
    for (const block of made) {
      blocks.splice(at, 0, block);
      blockOf.set(block.el, block);
      at += 1;
    }
    reindex();
    nearObserver.observe(piece.el);
    farObserver.observe(piece.el);
    for (const listener of listeners.draw) listener(made);
    return made;
  }

  function undraw(piece) {
    if (!piece.drawn) return;
    const gone = blocks.filter((b) => b.piece === piece);
    if (gone.some((b) => b.el.contains(document.activeElement))) return;
    const selection = window.getSelection();
    if (selection.rangeCount && piece.el.contains(selection.anchorNode)) return;
    const height = piece.el.getBoundingClientRect().height;
    for (const block of gone) {
      blocks.splice(blocks.indexOf(block), 1);
      blockOf.delete(block.el);
    }
    reindex();
    piece.el.replaceChildren();
    piece.el.style.height = `${Math.round(height)}px`;
    piece.drawn = false;
    for (const listener of listeners.remove) listener(gone);
  }

  /** Fetch (as few requests as can be) and draw the pieces with these indices. */
  async function load(indices, { drawThem = true } = {}) {
    const wanted = [...new Set(indices)].filter((i) => outline[i] && !outline[i].data).sort((a, b) => a - b);
    const runs = [];
    for (const i of wanted) {
      const run = runs.at(-1);
      if (run && run.at(-1) === i - 1 && outline[i].end - outline[run[0]].start <= MAX_SPAN) run.push(i);
      else runs.push([i]);
    }
    await Promise.all(
      runs.map(async (run) => {
        const first = outline[run[0]];
        const last = outline[run.at(-1)];
        keep((await fetchPieces(first.start, Math.min(last.end, first.start + MAX_SPAN))).pieces);
      }),
    );
    if (drawThem) {
      const made = [];
      for (const i of [...new Set(indices)].sort((a, b) => a - b)) if (outline[i]) made.push(...draw(outline[i]));
      if (made.length) article.dispatchEvent(new CustomEvent("parley:text-drawn", { detail: { blocks: made } }));
    }
  }

  let queued = new Set();
  let pending = null;
  let inflight = null;
  function queue(index) {
    queued.add(index);
    pending ??= Promise.resolve().then(async () => {
      const indices = [...queued];
      queued = new Set();
      pending = null;
      inflight = load(indices);
      await inflight.finally(() => {
        inflight = null;
      });
    });
  }

  const nearObserver = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const piece = outline[Number(entry.target.dataset.index)];
        if (entry.isIntersecting && !piece.drawn) queue(piece.index);
      }
    },
    { rootMargin: NEAR },
  );
  const farObserver = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const piece = outline[Number(entry.target.dataset.index)];
        if (!entry.isIntersecting && piece.drawn) undraw(piece);
      }
    },
    { rootMargin: FAR },
  );

  /** Fetch the outline and the first pieces, and lay out the placeholders. `first`: the
   * pieces API's answer for the start of the text with the outline, when the page carries
   * it (the coding page does), so that a page opened at the start fetches nothing more. */
  function start(near = 0, first = null) {
    started ??= (async () => {
      const answer = first && near === 0 ? first : await fetchPieces(near, near, true);
      outline = answer.outline.map(([s, e], index) => ({ index, start: s, end: e, el: null, data: null, drawn: false }));
      // A first guess of the height of a code point: the column holds about 72 characters a line.
      const lineHeight = parseFloat(getComputedStyle(article).lineHeight) || 24;
      pxPerPoint = (lineHeight * 1.15) / 72;
      for (const piece of outline) piece.el = placeholder(piece);
      article.replaceChildren(...outline.map((p) => p.el));
      keep(answer.pieces);
      for (const row of answer.pieces) draw(outline[row.index]);
      for (const piece of outline) if (!piece.drawn) nearObserver.observe(piece.el);
      article.dispatchEvent(new CustomEvent("parley:text-drawn", { detail: { blocks: [...blocks] } }));
    })();
    return started;
  }

  // ---- what the page asks of its text ------------------------------------------------------
  function pieceAt(point) {
    const i = lastStartingAtOrBefore(outline, point);
    return outline[Math.max(0, i)];
  }

  const covering = (start, end) => outline.filter((p) => p.start < Math.max(end, start + 1) && (p.end > start || p === outline.at(-1)));

  /** Draw the pieces holding [start, end) (at least the one holding start). */
  async function reveal(start, end = start) {
    await start_();
    let pieces = covering(start, end);
    if (pieces.length && pieces.at(-1).end - pieces[0].start > MAX_SPAN) pieces = [pieces[0]];
    await load(pieces.map((p) => p.index));
  }
  const start_ = () => started ?? start();

  /** Fetch, without drawing, the text of [start, end) (for quotes of codings off screen). */
  async function fetchText(start, end) {
    await start_();
    const pieces = covering(start, end);
    if (!pieces.length || pieces.at(-1).end - pieces[0].start > MAX_SPAN) return;
    await load(
      pieces.map((p) => p.index),
      { drawThem: false },
    );
  }

  /** The source's text[start:end] in code points, or null when part of it is not fetched. */
  function quoteOf(start, end) {
    if (!outline.length && length > 0) return null; // the outline has not come yet
    let quote = "";
    for (const piece of covering(start, end)) {
      if (!piece.data) return null;
      if (piece.start >= end) break;
      quote += sliceCodePoints(
        piece.data.text,
        Math.max(start, piece.start) - piece.start,
        Math.min(end, piece.end) - piece.start,
      );
    }
    return quote;
  }

  function blocksIn(start, end) {
    const first = Math.max(0, lastStartingAtOrBefore(blocks, start));
    const found = [];
    for (let i = first; i < blocks.length && blocks[i].start < Math.max(end, start + 1); i += 1) {
      if (blocks[i].end > start || (blocks[i].end === start && start === end)) found.push(blocks[i]);
    }
    return found;
  }

  const blockAt = (point) => blockHolding(blocks, point);

  /** The code-point offset of a DOM point, and its block. */
  function offsetOf(node, offset, isEnd) {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const blockEl = element?.closest(".ws-block");
    if (!blockEl || !article.contains(blockEl)) {
      // A point between blocks: the nearest block edge in reading order.
      const probe = document.createRange();
      probe.setStart(node, offset);
      const after = blocks.find((b) => probe.comparePoint(b.textEl, 0) >= 0);
      if (!after) return blocks.length ? { block: blocks.at(-1), point: blocks.at(-1).end } : null;
      if (isEnd && after.index > 0) return { block: blocks[after.index - 1], point: blocks[after.index - 1].end };
      return { block: after, point: after.start };
    }
    const block = blockOf.get(blockEl);
    if (!block) return null;
    if (!block.textEl.contains(node)) {
      const before = block.textEl.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
      return { block, point: before ? block.start : block.end };
    }
    const range = document.createRange();
    range.setStart(block.textEl, 0);
    range.setEnd(node, offset);
    const count = range.toString().length;
    return { block, point: block.start + utf16ToCodePoint(block.text, count) };
  }

  function readSelection() {
    const native = window.getSelection();
    if (!native.rangeCount || native.isCollapsed) return null;
    const range = native.getRangeAt(0);
    if (!article.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== article) {
      return null;
    }
    const from = offsetOf(range.startContainer, range.startOffset, false);
    const to = offsetOf(range.endContainer, range.endOffset, true);
    if (!from || !to || to.point <= from.point) return null;
    return { start: from.point, end: to.point };
  }

  /** A DOM point for a code-point offset inside a block's text. */
  function domPoint(block, point) {
    let remaining = units(block, point);
    const walker = document.createTreeWalker(block.textEl, NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    let lastNode = null;
    while (node) {
      if (remaining <= node.length) return [node, remaining];
      remaining -= node.length;
      lastNode = node;
      node = walker.nextNode();
    }
    return lastNode ? [lastNode, lastNode.length] : [block.textEl, 0];
  }

  function rangeFor(start, end) {
    const range = document.createRange();
    range.setStart(...domPoint(blockAt(start), start));
    range.setEnd(...domPoint(blockAt(Math.max(start, end - 1)), end));
    return range;
  }

  /** The drawn block after (step 1) or before (step -1) `block`, drawing its piece first. */
  async function neighbour(block, step) {
    const next = blocks[block.index + step];
    if (next && next.piece === block.piece) return next;
    const piece = outline[block.piece.index + step];
    if (!piece) return next ?? null;
    await load([piece.index]);
    const drawn = blocks.filter((b) => b.piece === piece);
    return (step > 0 ? drawn[0] : drawn.at(-1)) ?? null;
  }

  /** Draw the passage [start, end), scroll it to the middle of the screen and flash it;
   * resolves to its DOM range. */
  async function showPassage(start, end) {
    // The pieces holding the passage are drawn first; the scroll then lands on them.
    await reveal(start, end);
    // At once: a smooth scroll over a long text would end where the pieces drawn on the way
    // no longer put the passage.
    blockAt(start).el.scrollIntoView({ block: "center", behavior: "instant" });
    // The pieces around it are drawn next and may not be as tall as their placeholders were.
    await idle();
    const range = rangeFor(start, end);
    blockAt(start).el.scrollIntoView({ block: "center", behavior: "instant" });
    if (globalThis.CSS?.highlights && globalThis.Highlight) {
      CSS.highlights.set("ws-flash", new Highlight(range));
      setTimeout(() => CSS.highlights.delete("ws-flash"), 2500);
    }
    return range;
  }

  // Tab moves from block to block (and through the chips in each block's margin): at the edge
  // of the drawn text, the piece beyond is drawn first.
  article.addEventListener("keydown", (event) => {
    if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) return;
    const block = blockOf.get(event.target.closest?.(".ws-block"));
    if (!block) return;
    const step = event.shiftKey ? -1 : 1;
    const stops = (b) => [b.el, ...(b.marginEl?.querySelectorAll(".ws-chip") ?? [])];
    if (event.target !== stops(block).at(step > 0 ? -1 : 0)) return; // within the block
    const beyond = outline[block.piece.index + step];
    const next = blocks[block.index + step];
    if (!beyond || (next && (next.piece === block.piece || next.piece === beyond))) return;
    event.preventDefault();
    neighbour(block, step).then((found) => {
      if (!found) return;
      if (step > 0) found.el.focus();
      else stops(found).at(-1).focus();
    });
  });

  async function idle() {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    while (pending || inflight) await (pending ?? inflight);
  }

  return {
    length,
    blocks,
    blockOf,
    sentences,
    start,
    reveal,
    fetchText,
    quoteOf,
    blocksIn,
    blockAt,
    offsetOf,
    readSelection,
    rangeFor,
    neighbour,
    showPassage,
    pieceAt,
    pieces: () => outline,
    /** Resolves once the pieces that neared the screen are drawn. */
    idle,
    onDraw: (listener) => listeners.draw.push(listener),
    onRemove: (listener) => listeners.remove.push(listener),
  };
}
