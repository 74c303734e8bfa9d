// Building page elements from data: text is always inserted as text, never as HTML.

/** Return an element with a class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Return the "Directions" line: a link per maps app, each opening a new tab. */
export function directionsLine(links, label) {
  const line = el("p", "directions");
  line.append(el("span", "directions__label", label), " ");
  for (const link of links) {
    const a = el("a", "", link.label);
    a.href = link.url;
    a.target = "_blank";
    a.rel = "noopener";
    a.dataset.app = link.app;
    line.append(a, " ");
  }
  return line;
}
