// Search the program in the browser with the server's rules (webapp/program/search.py): the same folding,
// the same ranking, the same marks. Used offline on /schedule (from the cached /api/sessions) and by the
// staff console's session picker. tests/program/test_search_parity.py holds the two equal.

export const MAX_QUERY = 200;
export const WEIGHTS = { title: 8, subtitle: 6, speakers: 4, track: 2, room: 2, abstract: 1 };
const TITLE_WHOLE = 5;
const TITLE_START = 3;
const UMLAUTS = {
  ae: { "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss" },
  a: { "ä": "a", "ö": "o", "ü": "u", "ß": "ss" },
};
const PUNCTUATION = /[^\p{L}\p{N}\s]/gu;
const SPACES = /\s+/gu;
const isHangul = (c) => c >= "\uac00" && c <= "\ud7a3";
// Scripts written without spaces between words (Hangul, kana, CJK): their words match across spaces.
const NO_SPACES = /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7a3]/u;

// The combining marks of Latin, Greek and Cyrillic accents (the blocks search.py drops too).
const ACCENTS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/gu;

function dropAccents(text) {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  // NFD splits Hangul syllables into jamo too (letters, not marks); NFC puts them back together.
  return text.normalize("NFD").replace(ACCENTS, "").normalize("NFC");
}

const spell = (text, umlauts) => dropAccents(text.normalize("NFKC").toLowerCase().replace(/[äöüß]/g, (c) => UMLAUTS[umlauts][c]));

/** Return text as search compares it: folded, umlauts as ae/oe/ue (or a/o/u), no punctuation; spaces left
 * out too, unless spaces: then each run of them is one space. */
export function fold(text, umlauts = "ae", spaces = false) {
  const words = spell(text ?? "", umlauts).replace(PUNCTUATION, "").replace(SPACES, " ").trim();
  return spaces ? words : words.replaceAll(" ", "");
}

/** Return fold(text) and, for each of its characters, the index in text of the character it came from. */
export function foldMapped(text, umlauts = "ae", spaces = false) {
  let out = "";
  const where = [];
  let i = 0;
  for (const c of text) {
    if (!c.normalize("NFKC").replace(SPACES, "")) {
      if (spaces && out && !out.endsWith(" ")) {
        out += " ";
        where.push(i);
      }
    } else {
      const folded = isHangul(c) ? c : spell(c, umlauts).replace(PUNCTUATION, "").replace(SPACES, "");
      for (const f of folded) {
        out += f;
        where.push(i);
      }
    }
    i += c.length;
  }
  if (out.endsWith(" ")) {
    out = out.slice(0, -1);
    where.pop();
  }
  return { folded: out, where };
}

/** Tell whether a folded word is matched with spaces left out (Korean: "간호정보" finds "간호 정보"). */
export const acrossSpaces = (term) => NO_SPACES.test(term);

/** Return the folded words of a query (each must match); [] when there is nothing to look for. */
export function queryTerms(q) {
  const words = (q ?? "").slice(0, MAX_QUERY).split(/\s+/);
  return [...new Set(words.map((w) => fold(w)).filter(Boolean))];
}

const foldedBoth = (texts) => {
  const kept = texts.filter(Boolean);
  const ae = kept.map((t) => fold(t, "ae", true)).join("|");
  const a = kept.map((t) => fold(t, "a", true)).join("|");
  return { ae, a, aeJoined: ae.replaceAll(" ", ""), aJoined: a.replaceAll(" ", "") };
};
const has = (folded, term) =>
  acrossSpaces(term) ? folded.aeJoined.includes(term) || folded.aJoined.includes(term) : folded.ae.includes(term) || folded.a.includes(term);
const values = (localized) => [...new Set(Object.values(localized ?? {}))];

/** Return a session (as /api/sessions gives it) folded for search; names: {tracks, rooms} id -> [texts]. */
export function indexSession(s, names) {
  return {
    id: s.id,
    room: s.room,
    fields: {
      title: foldedBoth(values(s.title)),
      subtitle: foldedBoth(values(s.subtitle)),
      speakers: foldedBoth((s.speakers ?? []).flatMap((sp) => values(sp.name))),
      track: foldedBoth(names.tracks?.[s.track] ?? [s.track]),
      abstract: foldedBoth([...values(s.abstract), ...values(s.description)]),
    },
  };
}

/** Return [{id, score}] of the indexed sessions that match q, best first (ties keep the given order). */
export function search(indexed, q, names) {
  const terms = queryTerms(q);
  if (!terms.length) return [];
  const whole = fold(q ?? "").slice(0, MAX_QUERY * 2);
  const rooms = {};
  const hits = [];
  indexed.forEach((entry, position) => {
    rooms[entry.room] ??= foldedBoth(names.rooms?.[entry.room] ?? []);
    let score = 0;
    for (const term of terms) {
      let best = Object.keys(entry.fields).find((name) => has(entry.fields[name], term)) ?? null;
      if (has(rooms[entry.room], term) && (best === null || WEIGHTS[best] < WEIGHTS.room)) best = "room";
      if (best === null) return;
      score += WEIGHTS[best];
    }
    const title = entry.fields.title.aeJoined;
    if (whole && title.includes(whole)) {
      score += TITLE_WHOLE;
      if (title.split("|").some((t) => t.startsWith(whole))) score += TITLE_START;
    }
    hits.push({ id: entry.id, score, position });
  });
  hits.sort((x, y) => y.score - x.score || x.position - y.position);
  return hits.map(({ id, score }) => ({ id, score }));
}

/** Tell whether every word of q is somewhere in texts (the staff picker's plain filter). */
export function matchesAll(texts, q) {
  const folded = foldedBoth(texts);
  return queryTerms(q).every((term) => has(folded, term));
}

/** Return the [start, end) spans of text that the words of q match, merged, in order. */
export function matchSpans(text, q) {
  const terms = queryTerms(q);
  if (!text || !terms.length) return [];
  const spans = [];
  for (const [umlauts, joined] of [["ae", true], ["ae", false], ["a", true], ["a", false]]) {
    const { folded, where } = foldMapped(text.normalize("NFC"), umlauts, !joined);
    for (const term of terms.filter((t) => acrossSpaces(t) === joined)) {
      for (let start = folded.indexOf(term); start !== -1; start = folded.indexOf(term, start + 1)) {
        const last = where[start + term.length - 1];
        spans.push([where[start], last + (text.normalize("NFC").codePointAt(last) > 0xffff ? 2 : 1)]);
      }
    }
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged = [];
  for (const [start, end] of spans) {
    if (merged.length && start <= merged.at(-1)[1]) merged.at(-1)[1] = Math.max(merged.at(-1)[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Put text into element, with what q matches in <mark>: text nodes only, never markup. */
export function highlightInto(element, text, q) {
  const shown = (text ?? "").normalize("NFC");
  element.replaceChildren();
  let last = 0;
  for (const [start, end] of matchSpans(shown, q)) {
    element.append(shown.slice(last, start));
    const mark = document.createElement("mark");
    mark.textContent = shown.slice(start, end);
    element.append(mark);
    last = end;
  }
  element.append(shown.slice(last));
}
