// The code chooser: type part of a code's name, move with the arrow keys, Enter applies.

/** Codable codes whose name starts with `query`, then those whose path holds it; 12 at most. */
export function matchingCodes(codes, query) {
  const wanted = query.trim().toLowerCase();
  if (!wanted) return [];
  const codable = [...codes].filter((c) => c.codable);
  const starts = codable.filter((c) => c.name.toLowerCase().startsWith(wanted));
  const contains = codable.filter((c) => !starts.includes(c) && c.path.toLowerCase().includes(wanted));
  return [...starts, ...contains].slice(0, 12);
}

/** Wire the search box and its listbox; `choose(codeId)` applies, `leave()` returns to the text. */
export function makeChooser({ input, list, codes, choose, leave }) {
  let active = 0;
  const found = () => matchingCodes(codes.values(), input.value);

  function render() {
    const options = found();
    active = Math.min(active, Math.max(options.length - 1, 0));
    list.replaceChildren(
      ...options.map((code, i) => {
        const item = document.createElement("li");
        item.id = `ws-option-${code.id}`;
        item.role = "option";
        item.className = `ws-option${i === active ? " active" : ""}`;
        item.setAttribute("aria-selected", i === active ? "true" : "false");
        item.dataset.applyCode = code.id;
        const swatch = document.createElement("span");
        swatch.className = "code-swatch";
        swatch.style.background = code.colour;
        swatch.setAttribute("aria-hidden", "true");
        item.append(swatch, ` ${code.path}`);
        return item;
      }),
    );
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    if (options.length) input.setAttribute("aria-activedescendant", `ws-option-${options[active].id}`);
    else input.removeAttribute("aria-activedescendant");
  }

  input.addEventListener("input", () => {
    active = 0;
    render();
  });
  input.addEventListener("keydown", (event) => {
    const options = found();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + options.length) % Math.max(options.length, 1);
      render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (options[active]) choose(options[active].id);
    } else if (event.key === "Escape") {
      input.value = "";
      render();
      leave();
    }
  });
  return { focus: () => input.focus() };
}
