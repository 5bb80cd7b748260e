// What the Content-Security-Policy keeps out of the markup (it refuses style="" and on…=""
// attributes), for every page: values that differ per row (a code's colour, its depth in the
// tree, a percentage) travel in data attributes and become custom properties here, through
// the CSSOM, for parley.css to use; a form with data-confirm asks before it is sent.
const PROPERTIES = [
  ["colour", "--colour", (value) => value],
  ["depth", "--depth", (value) => String(Number(value) || 0)],
  ["percent", "--percent", (value) => `${Number(value) || 0}%`],
];

for (const [name, property, format] of PROPERTIES) {
  for (const element of document.querySelectorAll(`[data-${name}]`)) {
    element.style.setProperty(property, format(element.dataset[name]));
  }
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
