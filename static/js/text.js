// Words on the page: localized texts from the data, and labels from the server's catalogue with
// values put into them.

import { live } from "./live-data.js";

const PLACEHOLDER = /%\((\w+)\)s|\{(\w+)\}/g;

/** Put values into a label; both %(name)s (gettext) and {name} placeholders: fill("%(n)s min", {n: 5}). */
export const fill = (template, values) =>
  template.replace(PLACEHOLDER, (_, gettextKey, braceKey) => String(values[gettextKey ?? braceKey] ?? ""));

/** Return a {lang: text} in the page's language, else the event's languages in order, else any (as the server's pick);
 * a page without the live-data block (a staff page) gives its lang and the event's langs. */
export function pick(text, lang = live.lang, langs = live.langs ?? []) {
  if (!text) return "";
  for (const candidate of [lang, ...langs]) if (text[candidate]) return text[candidate];
  return Object.values(text).find(Boolean) ?? "";
}

/** Return a place from names: "Venue · Room", the venue alone, or online (the server's web/i18n.py place_text). */
export const placeText = (venue, room, online) => (!venue ? online : room ? `${venue} · ${room}` : venue);

/** Return where a session (or anything with a venue and room id) is, as "Venue · Room" in the page's
 * language, or the online label; a venue or room the page has no name for is shown by its id. */
export function place(session, onlineLabel = live.labels?.online) {
  if (!session.venue) return onlineLabel;
  const room = session.room && (live.rooms?.[session.room]?.name ?? session.room);
  return placeText(live.venues[session.venue] ?? session.venue, room, onlineLabel);
}
