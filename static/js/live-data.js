// The page's data, parsed once: the live-data block every public page carries (event, seq, language,
// the event's languages, time zone, clock, names, labels) and each page's own JSON block.

/** Return the JSON of <script type="application/json" id=id>, or fallback when the page has none. */
export function pageData(id, fallback = {}) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : fallback;
}

export const live = pageData("live-data");
