// The source's text as the page shows it: its blocks (turns, paragraphs), the blanks between
// them, and the mapping between DOM positions and code-point offsets.
import { sliceCodePoints, utf16ToCodePoint } from "./offsets.js";
import { blockHolding, units } from "./selecting.js";
import { lastStartingAtOrBefore } from "./spans.js";

/** Read the blocks of `article`; `gaps` are [start, text] of the text between blocks. */
export function readText(article, gaps) {
  const blocks = [...article.querySelectorAll(".ws-block")].map((el, index) => {
    const textEl = el.querySelector(".ws-text");
    return {
      index,
      el,
      textEl,
      marginEl: el.querySelector(".ws-margin"),
      start: Number(el.dataset.start),
      end: Number(el.dataset.end),
      // Where the words begin after a leading speaker label ("Speaker 2: ").
      bodyStart: Number(el.dataset.bodyStart ?? el.dataset.start),
      text: textEl.textContent,
    };
  });
  const blockOf = new Map(blocks.map((b) => [b.el, b]));
  const pieces = [
    ...blocks.map((b) => ({ start: b.start, end: b.end, text: b.text })),
    ...gaps.map(([start, text]) => ({ start, end: start + [...text].length, text })),
  ].sort((a, b) => a.start - b.start);

  /** The source's text[start:end] in code points, from the pieces the page holds. */
  function quoteOf(start, end) {
    let quote = "";
    for (let i = Math.max(0, lastStartingAtOrBefore(pieces, start)); i < pieces.length; i += 1) {
      const piece = pieces[i];
      if (piece.start >= end) break;
      if (piece.end <= start) continue;
      quote += sliceCodePoints(
        piece.text,
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

  return { blocks, blockOf, quoteOf, blocksIn, blockAt, offsetOf, readSelection, rangeFor };
}
