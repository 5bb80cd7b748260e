// The code chooser: type part of a code's name, move with the arrow keys, Enter applies.
// Where the role allows, a name no code has yet is offered as a new code.

/** Codable codes whose name starts with `query`, then those whose path holds it; 12 at most. */
export function matchingCodes(codes, query) {
  const wanted = query.trim().toLowerCase();
  if (!wanted) return [];
  const codable = [...codes].filter((c) => c.codable);
  const starts = codable.filter((c) => c.name.toLowerCase().startsWith(wanted));
  const contains = codable.filter((c) => !starts.includes(c) && c.path.toLowerCase().includes(wanted));
  return [...starts, ...contains].slice(0, 12);
}

/** Whether `query` names no code yet (by name, case and spaces aside). */
export function isNewName(codes, query) {
  const wanted = query.trim().toLowerCase();
  return wanted !== "" && ![...codes].some((c) => c.name.toLowerCase() === wanted);
}

/**
 * Wire the search box and its listbox; `choose(codeId)` applies, `leave()` returns to the
 * text, `create(name)` (when given) starts a new code with that name.
 */
export function makeChooser({ input, list, codes, choose, leave, create = null }) {
  let active = 0;
  const found = () => {
    const options = matchingCodes(codes.values(), input.value).map((code) => ({ code }));
    if (create && isNewName(codes.values(), input.value)) options.push({ name: input.value.trim() });
    return options;
  };

  function render() {
    const options = found();
    active = Math.min(active, Math.max(options.length - 1, 0));
    list.replaceChildren(
      ...options.map((option, i) => {
        const item = document.createElement("li");
        item.role = "option";
        item.className = `ws-option${i === active ? " active" : ""}`;
        item.setAttribute("aria-selected", i === active ? "true" : "false");
        if (option.code) {
          const code = option.code;
          item.id = `ws-option-${code.id}`;
          item.dataset.applyCode = code.id;
          const swatch = document.createElement("span");
          swatch.className = "code-swatch";
          swatch.style.background = code.colour;
          swatch.setAttribute("aria-hidden", "true");
          item.append(swatch, ` ${code.path}`);
        } else {
          item.id = "ws-option-new";
          item.classList.add("ws-option-new");
          item.dataset.newCode = option.name;
          item.textContent = `New code “${option.name}”…`;
        }
        return item;
      }),
    );
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    if (options.length) input.setAttribute("aria-activedescendant", list.children[active].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(option) {
    if (option?.code) choose(option.code.id);
    else if (option?.name) create(option.name);
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
      pick(options[active]);
    } else if (event.key === "Escape") {
      input.value = "";
      render();
      leave();
    }
  });
  list.addEventListener("click", (event) => {
    const item = event.target.closest("[data-new-code]");
    if (item) create(item.dataset.newCode);
  });
  return {
    focus: () => input.focus(),
    clear: () => {
      input.value = "";
      render();
    },
    render,
  };
}
