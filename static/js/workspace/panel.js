// The side panel's lists: the codebook with counts, filters and pins; the codings of the
// source; the coder filter; the pinned and recent code buttons.

function swatch(colour) {
  const mark = document.createElement("span");
  mark.className = "code-swatch";
  mark.style.background = colour ?? "#888";
  mark.setAttribute("aria-hidden", "true");
  return mark;
}

/** The codebook tree, filtered by `query`, with counts, show/hide boxes and (with `canPin`)
 * the choice of each codable code's number key. */
export function drawCodebook(list, codes, counts, { query, hidden, pins, canPin }) {
  const wanted = query.trim().toLowerCase();
  const slots = new Map(pins.map((p) => [p.code, p.slot]));
  const items = [];
  for (const code of codes.values()) {
    if (wanted && !code.path.toLowerCase().includes(wanted)) continue;
    const item = document.createElement("li");
    item.style.paddingLeft = `${code.depth}rem`;
    const label = document.createElement("label");
    label.className = "form-check-label";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input me-1";
    box.checked = !hidden.has(code.id);
    box.dataset.filterCode = code.id;
    box.setAttribute("aria-label", `Show ${code.path}`);
    label.append(box, swatch(code.colour), ` ${code.name} `);
    const count = document.createElement("span");
    count.className = "badge text-bg-light border";
    count.textContent = `${counts.get(code.id) || 0}`;
    count.title = "codings in this source";
    item.append(label, count);
    if (canPin && code.codable) item.append(keyChoice(code, slots.get(code.id)));
    items.push(item);
  }
  list.replaceChildren(...items);
}

/** A choice of the number key (1–9) that applies a code; "no key" unpins it. */
function keyChoice(code, slot) {
  const select = document.createElement("select");
  select.className = "form-select form-select-sm ws-key";
  select.dataset.keyCode = code.id;
  select.setAttribute("aria-label", `Number key for ${code.path}`);
  select.append(new Option("no key", ""));
  for (let n = 1; n <= 9; n += 1) select.append(new Option(`key ${n}`, `${n}`));
  select.value = slot ? `${slot}` : "";
  return select;
}

/** The codings of the source as buttons that jump to them. */
export function drawCodingList(list, codings, codes, quoteOf) {
  list.replaceChildren(
    ...codings.map((coding) => {
      const code = codes.get(coding.code);
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 text-start ws-list-item";
      button.dataset.id = coding.id;
      const quote = quoteOf(coding).slice(0, 60);
      button.append(swatch(code?.colour), ` ${code?.name ?? "?"} · ${coding.coder}: “${quote}”`);
      item.append(button);
      return item;
    }),
  );
}

/** The coder filter's options: everyone, and each coder whose codings are shown. */
export function drawCoderOptions(select, codings) {
  const coders = [...new Set(codings.map((c) => c.coder))].sort();
  const have = [...select.options].map((o) => o.value).filter(Boolean);
  if (coders.join("\n") === have.join("\n")) return;
  const chosen = select.value;
  select.replaceChildren(new Option("everyone", ""), ...coders.map((c) => new Option(c, c)));
  select.value = coders.includes(chosen) ? chosen : "";
}

function codeButton(code, prefix) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-sm btn-outline-secondary ws-code-button";
  button.dataset.applyCode = code.id;
  button.textContent = `${prefix}${code.name}`;
  button.title = code.path;
  return button;
}

/** Buttons for the pinned codes (with their number keys) and the recently used ones. */
export function drawCodeButtons(pinsEl, recentEl, codes, pins, recent) {
  pinsEl.replaceChildren(
    ...pins.filter((p) => codes.has(p.code)).map((p) => codeButton(codes.get(p.code), `${p.slot} `)),
  );
  recentEl.replaceChildren(...recent.filter((id) => codes.has(id)).map((id) => codeButton(codes.get(id), "")));
}
