// The coding workspace: highlights, selection, the code chooser, editing, undo and polling.
// Offsets exchanged with the server are code points; offsets.js is the only converter.
// Members who may not code (data.canCode false) get the page read-only: the server leaves the
// writing controls out, and every write below goes through mayWrite().
import { makeApi } from "./workspace/api.js";
import { makeChooser } from "./workspace/chooser.js";
import { drawChips, drawHighlights } from "./workspace/highlights.js";
import { History } from "./workspace/history.js";
import { drawCodeButtons, drawCodebook, drawCoderOptions, drawCodingList } from "./workspace/panel.js";
import { makeSelecting } from "./workspace/selecting.js";
import { pageText } from "./workspace/text.js";

performance.mark("workspace-start");
const data = JSON.parse(document.getElementById("workspace-data").textContent);
const api = makeApi(data.urls, data.csrfToken);
const root = document.getElementById("workspace");
const article = root.querySelector(".ws-text-area");
const panel = root.querySelector(".ws-panel");
const statusLine = document.getElementById("ws-status");
const tooltip = document.getElementById("ws-tooltip");
const field = (name) => panel.querySelector(`[data-field="${name}"]`);
const tools = document.getElementById("ws-tools");
const { Offcanvas, Tab } = globalThis.bootstrap ?? {};
const narrow = window.matchMedia("(max-width: 991.98px)");
// The text arrives in pieces as the page scrolls (text.js); `blocks` are the drawn ones.
const text = pageText();
const { blocks, blockOf, blocksIn, blockAt, offsetOf, readSelection, rangeFor } = text;
/** The text of [start, end), from the pieces fetched so far ("" where one is missing). */
const quoteOf = (start, end) => text.quoteOf(start, end) ?? "";
/** A coding's words: as the API sent them, or from the text the page holds. */
const quoteOfCoding = (coding) => coding.quote ?? text.quoteOf(coding.start, coding.end) ?? "…";
const { sentenceSpans, snap, moveByWord, firstWord } = makeSelecting({
  blocks,
  sentences: text.sentences,
  language: data.source.language,
  setting: data.snap,
});

const codes = new Map(data.codes.map((c) => [c.id, c]));
/** Replace the codebook (in tree order) with `list`, as the server sends it. */
function setCodes(list) {
  codes.clear();
  for (const code of list) codes.set(code.id, code);
  fillCodeChoice();
}
const codings = new Map(); // filled from the API when the page starts
let pins = data.pins;
let recent = data.recent.filter((id) => codes.has(id));
let cursor = data.cursor;
const canCode = data.canCode;
const filters = { code: null, coder: "", mine: false, hiddenCodes: new Set() };
let selection = null; // {start, end} in code points
let editing = null; // id of the coding in the editor

// ---- what is shown --------------------------------------------------------------------
function shown(coding) {
  if (filters.mine && !coding.mine) return false;
  if (filters.coder && coding.coder !== filters.coder) return false;
  return !filters.hiddenCodes.has(coding.code);
}

function sortedCodings(list) {
  return list.sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
}

function describe(coding) {
  const code = codes.get(coding.code);
  return `${code ? code.path : "?"} — ${coding.coder}${coding.origin ? ` (from ${coding.origin})` : ""}`;
}

function renderBlock(block, visible, { chipsOnly = false } = {}) {
  const inBlock = visible ?? [...codings.values()].filter((c) => shown(c) && c.start < block.end && c.end > block.start);
  sortedCodings(inBlock);
  if (!chipsOnly) drawHighlights(block, inBlock, { colourOf: (c) => codes.get(c.code)?.colour, describe });
  drawChips(block, blocks[block.index - 1], inBlock, { codeOf: (c) => codes.get(c.code), quoteOf: quoteOfCoding });
}

function renderAll() {
  const visible = sortedCodings([...codings.values()].filter(shown));
  const perBlock = blocks.map(() => []);
  for (const coding of visible) {
    for (const block of blocksIn(coding.start, coding.end)) perBlock[block.index].push(coding);
  }
  blocks.forEach((block) => renderBlock(block, perBlock[block.index]));
  renderLists();
}

let listsPending = 0;
function rerender(...ranges) {
  const touched = new Set();
  for (const range of ranges) {
    if (range) for (const block of blocksIn(range.start, range.end)) touched.add(block);
  }
  for (const block of touched) renderBlock(block);
  // The side lists follow a moment later, so a burst of codings redraws them once.
  clearTimeout(listsPending);
  listsPending = setTimeout(renderLists, 120);
}

// ---- side panel -----------------------------------------------------------------------
function renderLists() {
  const all = [...codings.values()];
  const counts = new Map();
  for (const coding of all) counts.set(coding.code, (counts.get(coding.code) || 0) + 1);
  drawCodebook(field("codebook"), codes, counts, {
    query: document.getElementById("ws-codebook-filter").value,
    hidden: filters.hiddenCodes,
    pins,
    canPin: canCode,
  });
  const visible = sortedCodings(all.filter(shown));
  drawCodingList(field("codings"), visible, codes, quoteOfCoding);
  field("count").textContent = `${visible.length}`;
  drawCoderOptions(document.getElementById("ws-filter-coder"), all);
  renderPins();
}

function renderPins() {
  if (canCode) drawCodeButtons(field("pins"), field("recent"), codes, pins, recent);
}

// ---- the code chooser ---------------------------------------------------------------------
const chooser = canCode
  ? makeChooser({
      input: document.getElementById("ws-code-search"),
      list: document.getElementById("ws-code-options"),
      codes,
      choose: (codeId) => applyCode(codeId),
      leave: () => focusText(),
      create: data.canCreateCodes ? (name) => offerNewCode(name) : null,
    })
  : null;

// ---- a new code from the chooser (roles that manage the codebook) -------------------------
const newCode = field("new-code");
const newParent = document.getElementById("ws-new-parent");
let newName = "";

function offerNewCode(name) {
  newName = name;
  field("new-name").textContent = name;
  const chosen = newParent.value;
  newParent.replaceChildren(new Option("(top level)", ""), ...[...codes.values()].map((c) => new Option(c.path, c.id)));
  newParent.value = [...newParent.options].some((o) => o.value === chosen) ? chosen : "";
  newCode.hidden = false;
  newParent.focus();
  say(`Choose where “${name}” goes in the codebook, then create it.`);
}

async function createCode() {
  if (!mayWrite() || !newName) return;
  try {
    const parent = newParent.value ? Number(newParent.value) : null;
    // A new code takes its parent's colour.
    const made = await api.createCode(newName, parent, parent ? codes.get(parent)?.colour : null);
    const all = await api.listCodes();
    setCodes(all.map((c) => ({ id: c.id, name: c.name, path: c.path, parent: c.parent, depth: c.depth, colour: c.colour, codable: c.is_codable })));
    newCode.hidden = true;
    chooser.clear();
    renderLists();
    await applyCode(made.id);
  } catch (error) {
    say(error.message, true);
  }
}

newCode?.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target === newParent) {
    event.preventDefault();
    createCode();
  } else if (event.key === "Escape") {
    newCode.hidden = true;
    chooser.focus();
  }
});

// ---- the tools panel: beside the text, or off-canvas over it on a narrow screen ----------
/** Show a tab of the tools (opening the off-canvas panel on a narrow screen); then `then()`. */
function showTools(tab, then = () => {}) {
  const button = document.getElementById(`ws-tab-${tab}`);
  if (button && Tab) Tab.getOrCreateInstance(button).show();
  if (narrow.matches && Offcanvas && !tools.classList.contains("show")) {
    tools.addEventListener("shown.bs.offcanvas", () => then(), { once: true });
    Offcanvas.getOrCreateInstance(tools).show();
  } else {
    then();
  }
}

/** Close the tools' panel on a narrow screen; true when it was open. */
function hideTools() {
  if (narrow.matches && Offcanvas && tools.classList.contains("show")) {
    Offcanvas.getOrCreateInstance(tools).hide();
    return true;
  }
  return false;
}

/** Put the focus back on the passage at `point`, so the next key works there. */
function focusPassage(point) {
  const here = point === undefined ? (currentBlock() ?? blocks[0]) : null;
  const focus = () => {
    if (here) here.el.focus({ preventScroll: true });
    else text.reveal(point).then(() => blockAt(point)?.el.focus({ preventScroll: true }));
  };
  // Once the panel is hidden, Bootstrap gives the focus to the button that opened it: take
  // it back to the passage then too.
  if (hideTools()) tools.addEventListener("hidden.bs.offcanvas", focus, { once: true });
  focus();
}

// ---- selection ------------------------------------------------------------------------
function select(range, { focusBlock = true } = {}) {
  selection = range;
  const native = window.getSelection();
  native.removeAllRanges();
  if (range) {
    native.addRange(rangeFor(range.start, range.end));
    if (focusBlock) blockAt(range.start).el.focus({ preventScroll: true });
  }
  showSelection();
}

function showSelection() {
  const target = field("selection");
  if (!selection) {
    target.textContent = "Nothing selected.";
    return;
  }
  const quote = quoteOf(selection.start, selection.end);
  target.textContent = `Selected: “${quote.length > 120 ? `${quote.slice(0, 120)}…` : quote}”`;
  const here = [...codings.values()].filter((c) => shown(c) && c.start < selection.end && c.end > selection.start);
  const coded = here.length ? ` Coded here: ${here.map(describe).join("; ")}.` : "";
  say(`Selected.${coded || (canCode ? " Choose a code." : "")}`);
}

article.addEventListener("mouseup", (event) => {
  setTimeout(() => {
    const raw = readSelection();
    if (!raw) return;
    select(snap(raw), { focusBlock: false });
  }, 0);
  if (event.altKey) {
    const blockEl = event.target.closest(".ws-block");
    if (!blockEl) return;
    const caret = document.caretPositionFromPoint?.(event.clientX, event.clientY);
    if (!caret) return;
    const at = offsetOf(caret.offsetNode, caret.offset, false);
    const sentence = at && sentenceSpans(at.block).find(([s, e]) => s <= at.point && e > at.point);
    if (sentence) setTimeout(() => select({ start: sentence[0], end: sentence[1] }), 1);
  }
});

document.addEventListener("selectionchange", () => {
  const native = window.getSelection();
  const raw = readSelection();
  if (raw && (!selection || raw.start !== selection.start || raw.end !== selection.end)) {
    selection = raw;
    showSelection();
  } else if (!raw && selection && native.isCollapsed && article.contains(native.anchorNode)) {
    // A click in the text drops the selection; a click in the side panel keeps it.
    selection = null;
    showSelection();
  }
});

// ---- keyboard -----------------------------------------------------------------------------
function currentBlock() {
  const focused = document.activeElement?.closest?.(".ws-block");
  if (focused) return blockOf.get(focused);
  return selection ? blockAt(selection.start) : null;
}

function focusText() {
  (currentBlock() ?? blocks[0])?.el.focus();
}

article.addEventListener("keydown", (event) => {
  const block = currentBlock();
  if (!block || event.target.closest(".ws-chip")) return;
  if (event.ctrlKey || event.metaKey) return;
  if (event.key === "t" && !event.altKey) {
    event.preventDefault();
    select({ start: block.bodyStart, end: block.end });
  } else if (event.key.toLowerCase() === "s" && !event.altKey) {
    event.preventDefault();
    const spans = sentenceSpans(block);
    if (!spans.length) return;
    const here = selection && selection.start >= block.start && selection.start < block.end ? selection.start : null;
    let index = here === null ? (event.shiftKey ? spans.length - 1 : 0) : spans.findIndex(([s]) => s >= here);
    if (here !== null) {
      const current = spans.findIndex(([s, e]) => s <= here && e > here);
      index = event.shiftKey ? current - 1 : current + 1;
      if (current === -1) index = event.shiftKey ? spans.length - 1 : 0;
    }
    index = Math.max(0, Math.min(spans.length - 1, index));
    select({ start: spans[index][0], end: spans[index][1] });
  } else if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
    event.preventDefault();
    const step = event.key === "ArrowRight" ? 1 : -1;
    let range = selection;
    if (!range) {
      range = firstWord(block);
      if (!range) return;
    } else {
      range = moveByWord(range, event.altKey ? "start" : "end", step);
    }
    select(range);
  } else if (event.key === "Enter" || event.key === "c") {
    event.preventDefault();
    if (mayWrite()) chooser.focus();
  } else if (event.key === "Escape") {
    select(null);
  }
});

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (typing) return;
  const key = event.key.toLowerCase();
  if ((event.ctrlKey || event.metaKey) && key === "z") {
    event.preventDefault();
    if (!mayWrite()) return;
    if (event.shiftKey) history.redo();
    else history.undo();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && key === "y") {
    event.preventDefault();
    if (mayWrite()) history.redo();
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  const digit = /^Digit([1-9])$/.exec(event.code);
  if (!digit || !mayWrite()) return;
  const pin = pins.find((p) => p.slot === Number(digit[1]));
  if (!pin) return;
  event.preventDefault();
  if (event.altKey) {
    // Alt+number: code the whole sentence at the selection (or the start of the turn).
    const block = selection ? blockAt(selection.start) : currentBlock();
    if (!block) return;
    const at = selection ? selection.start : block.bodyStart;
    // A turn's first sentence starts after its speaker label, so take the next one from `at`.
    const spans = sentenceSpans(block);
    const sentence = spans.find(([s, e]) => s <= at && e > at) ?? spans.find(([s]) => s >= at);
    if (sentence) applyCode(pin.code, { start: sentence[0], end: sentence[1] });
  } else {
    applyCode(pin.code);
  }
});

// ---- writes ---------------------------------------------------------------------------
function say(message, isError = false) {
  statusLine.textContent = message;
  statusLine.classList.toggle("text-danger", isError);
}

/** Whether the user may write; on a read-only page, says why nothing happens. */
function mayWrite() {
  if (!canCode) say("You can read this source but not code it.", true);
  return canCode;
}

function remember(coding) {
  const before = codings.get(coding.id);
  codings.set(coding.id, coding);
  rerender(before, coding);
}

function forget(id) {
  const before = codings.get(id);
  codings.delete(id);
  if (editing === id) closeEditor();
  rerender(before);
}

async function applyCode(codeId, given = null) {
  if (!mayWrite()) return;
  let range = given ?? selection;
  if (!range) {
    const block = currentBlock();
    if (!block) {
      say("Select a passage first.", true);
      return;
    }
    // The whole turn: its words, not the "Speaker 2:" label before them.
    range = { start: block.bodyStart, end: block.end };
  }
  const code = codes.get(codeId);
  if (!code?.codable) return;
  const body = { code: codeId, start: range.start, end: range.end, quote: quoteOf(range.start, range.end) };
  try {
    const coding = await api.create(body);
    remember(coding);
    history.record({ kind: "create", id: coding.id, body });
    recent = [codeId, ...recent.filter((id) => id !== codeId)].slice(0, 5);
    renderPins();
    chooser?.clear();
    focusPassage(range.start);
    say(`Coded with ${code.path}.`);
  } catch (error) {
    say(error.message, true);
  }
}

async function deleteCoding(id, { record = true } = {}) {
  const coding = codings.get(id);
  if (!coding || !mayWrite()) return;
  if (!coding.editable) {
    say("You may change only your own codings.", true);
    return;
  }
  try {
    await api.remove(id);
    forget(id);
    if (record) {
      history.record({ kind: "delete", id, body: snapshot(coding) });
    }
    say(`Deleted the coding ${describe(coding)}.`);
  } catch (error) {
    say(error.message, true);
  }
}

function snapshot(coding) {
  return {
    code: coding.code,
    start: coding.start,
    end: coding.end,
    // null when the words are not at hand: the server then takes the span as it stands.
    quote: coding.quote ?? text.quoteOf(coding.start, coding.end),
    memo: coding.memo,
  };
}

async function updateCoding(id, changes) {
  const coding = codings.get(id);
  if (!coding || !mayWrite()) return;
  const before = snapshot(coding);
  try {
    const updated = await api.update(id, changes);
    remember(updated);
    history.record({ kind: "update", id, before, after: snapshot(updated) });
    if (editing === id) openEditor(id);
    say(`Changed the coding ${describe(updated)}.`);
  } catch (error) {
    say(error.message, true);
  }
}

const history = new History({ api, remember, forget, say });

// ---- the editor -----------------------------------------------------------------------
const editor = field("editor");
const editMemoText = field("editor-memo");
// The controls that change a coding; a read-only page has none.
const editCode = document.getElementById("ws-edit-code");
const editMemo = document.getElementById("ws-edit-memo");
function fillCodeChoice() {
  if (!editCode) return;
  const chosen = editCode.value;
  editCode.replaceChildren(
    ...[...codes.values()].map((c) => {
      const option = new Option(c.path, c.id);
      option.disabled = !c.codable;
      return option;
    }),
  );
  editCode.value = chosen;
}
if (canCode) {
  fillCodeChoice();
  editCode.addEventListener("change", () => {
    if (editing !== null) updateCoding(editing, { code: Number(editCode.value) });
  });
}

/** Show a coding in the editor; with `focus`, move the focus into it (its code, then its memo
 * one Tab on; a coding one may not change: its Close button). */
function openEditor(id, { reveal = false, focus = false } = {}) {
  const coding = codings.get(id);
  if (!coding) return;
  editing = id;
  editor.hidden = false;
  // The span, for the recording's player ("Play this passage").
  editor.dataset.start = coding.start;
  editor.dataset.end = coding.end;
  field("editor-summary").textContent = `${describe(coding)} · positions ${coding.start}–${coding.end}`;
  field("editor-quote").textContent = quoteOfCoding(coding);
  // A coding the user may not change shows its memo as text instead of in the editor.
  editMemoText.hidden = coding.editable || !coding.memo;
  editMemoText.textContent = coding.memo ? `Memo: ${coding.memo}` : "";
  if (canCode) {
    field("editor-controls").hidden = !coding.editable;
    editCode.value = `${coding.code}`;
    editMemo.value = coding.memo;
  }
  highlightCoding(id);
  if (reveal || focus) {
    showTools("code", () => {
      editor.scrollIntoView({ block: "nearest" });
      if (!focus) return;
      const target = canCode && coding.editable ? editCode : editor.querySelector("[data-action=close-editor]");
      target.focus();
    });
  }
}

function closeEditor({ refocus = false } = {}) {
  const was = codings.get(editing);
  editing = null;
  editor.hidden = true;
  highlightCoding(null);
  if (refocus && was) focusPassage(was.start);
}

editor.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    closeEditor({ refocus: true });
  }
});

function highlightCoding(id) {
  for (const mark of article.querySelectorAll("mark.hl-active")) mark.classList.remove("hl-active");
  if (id === null) return;
  for (const mark of article.querySelectorAll(`mark[data-ids~="${id}"]`)) mark.classList.add("hl-active");
}

editor.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button || editing === null) return;
  const coding = codings.get(editing);
  if (button.dataset.move) {
    const [which, step] = button.dataset.move.split(":");
    const moved = moveByWord(coding, which, Number(step));
    if (moved.start !== coding.start || moved.end !== coding.end) {
      updateCoding(editing, { start: moved.start, end: moved.end, quote: quoteOf(moved.start, moved.end) });
    }
  } else if (button.dataset.action === "to-selection") {
    if (!selection) say("Select the new passage first.", true);
    else updateCoding(editing, { ...selection, quote: quoteOf(selection.start, selection.end) });
  } else if (button.dataset.action === "save-memo") {
    updateCoding(editing, { memo: editMemo.value }).then(() => focusPassage(coding.start));
  } else if (button.dataset.action === "delete") {
    deleteCoding(editing).then(() => focusPassage(coding.start));
  } else if (button.dataset.action === "close-editor") {
    closeEditor({ refocus: true });
  }
});

// ---- clicks, hover and focus ------------------------------------------------------------
async function jumpTo(id) {
  const coding = codings.get(id);
  if (!coding) return;
  await text.reveal(coding.start, coding.end);
  // At once: a smooth scroll over a long text would end where the pieces drawn on the way
  // no longer put the passage.
  blockAt(coding.start)?.el.scrollIntoView({ block: "center", behavior: "instant" });
  openEditor(id, { reveal: true, focus: true });
}

panel.addEventListener("click", (event) => {
  const apply = event.target.closest("[data-apply-code]");
  if (apply) {
    applyCode(Number(apply.dataset.applyCode));
    return;
  }
  const item = event.target.closest(".ws-list-item");
  if (item) jumpTo(Number(item.dataset.id));
  if (event.target.closest("[data-action=create-code]")) createCode();
  if (event.target.closest("[data-action=clear-filters]")) {
    filters.hiddenCodes.clear();
    filters.coder = "";
    filters.mine = false;
    document.getElementById("ws-filter-coder").value = "";
    const mine = document.getElementById("ws-filter-mine"); // not on a read-only page
    if (mine) mine.checked = false;
    renderAll();
  }
});

panel.addEventListener("change", (event) => {
  if (event.target.dataset.keyCode) {
    const value = event.target.value;
    setKey(Number(event.target.dataset.keyCode), value ? Number(value) : null);
  } else if (event.target.dataset.filterCode) {
    const id = Number(event.target.dataset.filterCode);
    if (event.target.checked) filters.hiddenCodes.delete(id);
    else filters.hiddenCodes.add(id);
    renderAll();
  } else if (event.target.id === "ws-filter-coder") {
    filters.coder = event.target.value;
    renderAll();
  } else if (event.target.id === "ws-filter-mine") {
    filters.mine = event.target.checked;
    renderAll();
  }
});

document.getElementById("ws-codebook-filter").addEventListener("input", () => renderLists());

/** Put a code on number key `slot` (1–9; the code there before loses it), or take its key. */
async function setKey(codeId, slot) {
  if (!mayWrite()) return;
  try {
    pins = (await api.pin(codeId, slot)).pins;
    renderLists();
    panel.querySelector(`[data-key-code="${codeId}"]`)?.focus();
    say(slot ? `${codes.get(codeId).path} is on key ${slot}.` : `${codes.get(codeId).path} has no key.`);
  } catch (error) {
    say(error.message, true);
  }
}

article.addEventListener("click", (event) => {
  const chip = event.target.closest(".ws-chip");
  // A click, or Enter on a focused chip: the editor opens with the focus inside it.
  if (chip) openEditor(Number(chip.dataset.id), { reveal: true, focus: event.detail === 0 });
});

article.addEventListener("keydown", (event) => {
  const chip = event.target.closest(".ws-chip");
  if (!chip) return;
  const id = Number(chip.dataset.id);
  if (event.key === "Delete" || event.key === "Backspace") {
    event.preventDefault();
    const next = chip.nextElementSibling ?? chip.previousElementSibling;
    const block = chip.closest(".ws-block");
    deleteCoding(id).then(() => {
      if (codings.has(id)) return; // not deleted: the focus stays on the chip
      const again = next && block.querySelector(`.ws-chip[data-id="${next.dataset.id}"]`);
      (again ?? block).focus();
    });
  }
});

article.addEventListener("focusin", (event) => {
  const chip = event.target.closest(".ws-chip");
  if (!chip) return;
  const coding = codings.get(Number(chip.dataset.id));
  if (!coding) return;
  highlightCoding(coding.id);
  say(`${describe(coding)}: “${quoteOfCoding(coding).slice(0, 120)}”`);
});

article.addEventListener("mouseover", (event) => {
  const mark = event.target.closest("mark.hl");
  if (!mark) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = mark.dataset.describe;
  tooltip.hidden = false;
  // Above the line under the pointer, so it never covers the line that follows; where the
  // line is at the top of the window, beside the text column, level with the line.
  const rects = [...mark.getClientRects()];
  const line = rects.find((r) => event.clientY >= r.top && event.clientY <= r.bottom) ?? rects[0];
  const above = line.top - tooltip.offsetHeight - 4;
  const fits = above >= 0;
  const wanted = fits ? line.left : mark.closest(".ws-text").getBoundingClientRect().right + 8;
  const left = Math.min(wanted, document.documentElement.clientWidth - tooltip.offsetWidth - 4);
  tooltip.style.left = `${Math.max(4, left) + window.scrollX}px`;
  tooltip.style.top = `${(fits ? above : line.top) + window.scrollY}px`;
});
article.addEventListener("mouseleave", () => {
  tooltip.hidden = true;
});

// ---- several coders at once: poll for the others' changes ---------------------------------
/** Codings that came without their words and lie where no text is fetched yet: fetch it,
 * so the list of codings can quote them. */
function fetchMissingWords(list) {
  const missing = list.filter((c) => c.quote === undefined && text.quoteOf(c.start, c.end) === null);
  if (!missing.length) return;
  Promise.all(missing.map((c) => text.fetchText(c.start, c.end)))
    .then(() => renderLists())
    .catch(() => {});
}

let polling = false;
async function poll() {
  if (polling || document.hidden) return;
  polling = true;
  try {
    const changes = await api.since(cursor);
    const touched = [];
    for (const coding of changes.codings) {
      // The page's own writes come back too: redrawing them would drop a selection made since.
      if (codings.get(coding.id)?.modified_at === coding.modified_at) continue;
      touched.push(codings.get(coding.id), coding);
      codings.set(coding.id, coding);
    }
    for (const guid of changes.deleted) {
      for (const [id, coding] of codings) {
        if (coding.guid === guid) {
          touched.push(coding);
          codings.delete(id);
          if (editing === id) closeEditor();
        }
      }
    }
    cursor = changes.cursor;
    if (touched.length) rerender(...touched);
    fetchMissingWords(changes.codings);
  } catch {
    // The next poll tries again; a lost connection is not the coder's problem to solve.
  } finally {
    polling = false;
  }
}
setInterval(poll, data.pollSeconds * 1000);
// Another module (suggestions.js) wrote a coding: fetch it now rather than at the next poll.
document.addEventListener("parley:codings-changed", poll);

// ---- links to a passage: #pos=START-END ---------------------------------------------------
async function showFragment() {
  const match = /^#pos=(\d+)-(\d+)$/.exec(window.location.hash);
  if (!match) return;
  const start = Number(match[1]);
  const end = Math.min(Number(match[2]), data.source.length);
  if (!(end > start)) return;
  await text.showPassage(start, end);
  select({ start, end }, { focusBlock: true });
  say(`Showing the linked passage (positions ${start}–${end}).`);
}
window.addEventListener("hashchange", showFragment);

// ---- the skip link goes straight to the passage being coded ------------------------------
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  const block = (selection && blockAt(selection.start)) || blocks[0];
  block?.el.focus();
});

// ---- pieces of text drawn as the page scrolls -----------------------------------------------
function drawn(made) {
  if (made.some((b) => [...b.text].length !== b.end - b.start)) {
    say("This page's text does not match the stored text; reload before coding.", true);
  }
  const visible = sortedCodings([...codings.values()].filter(shown));
  for (const block of made) {
    renderBlock(
      block,
      visible.filter((c) => c.start < block.end && c.end > block.start),
    );
  }
  // A chip lists the codings that begin in the blank before its block: the block after a
  // newly drawn piece may now have a drawn block before it.
  // Its text is left alone, so that a selection in it stays.
  const after = blocks[made.at(-1).index + 1];
  if (after) renderBlock(after, undefined, { chipsOnly: true });
}
text.onDraw(drawn);

// Tab moves from turn to turn across pieces: text.js draws the piece beyond first.

// ---- start ----------------------------------------------------------------------------
async function startPage() {
  const hash = /^#pos=(\d+)-/.exec(window.location.hash);
  // The page carries its codings and the first piece of its text (data.first); a link to a
  // passage further on fetches the pieces there.
  const [listed] = await Promise.all([data.first.codings, text.start(hash ? Number(hash[1]) : 0, data.first.pieces)]);
  for (const coding of listed.codings) codings.set(coding.id, coding);
  cursor = listed.cursor;
  if (data.source.length === 0) {
    const empty = document.createElement("p");
    empty.className = "text-muted";
    empty.textContent = "This source has no text.";
    article.replaceChildren(empty);
  }
  renderAll();
  await showFragment();
  performance.mark("workspace-ready");
  root.dataset.ready = "true";
}
startPage().catch((error) => say(`The text could not be loaded: ${error.message}`, true));
