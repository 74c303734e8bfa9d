// A day of the program in hour blocks: the rule of webapp/program/hours.py (which draws the page for a
// browser without scripts), applied in the page at load and after each change. Held equal to it by
// tests/browser/test_hours_parity.py.

import { hhmm, localDay } from "./event-time.js";

export const OPEN_ALL_UP_TO = 30; // a day this short opens every hour still to come; a longer one only now and next

const ms = (moment) => new Date(moment).getTime();
const localHour = (moment) => Number(hhmm(moment).slice(0, 2));

/** Return sessions in the server's list order: start, then end, then id. */
export const listOrder = (a, b) => ms(a.start) - ms(b.start) || ms(a.end) - ms(b.end) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Group a day's sessions (in list order) by start hour at moment t (epoch ms); return
 * {blocks: [{hour, rows, state: past|now|later, open, still_on}], nowIndex} (nowIndex: the block 'Now' jumps to, or null).
 */
export function hourBlocks(sessions, day, t) {
  const byHour = new Map();
  for (const s of sessions) {
    const hour = localHour(s.start);
    if (!byHour.has(hour)) byHour.set(hour, { hour, rows: [], state: "later", open: false, still_on: 0 });
    const block = byHour.get(hour);
    block.rows.push(s);
    block.still_on += ms(s.start) <= t && t < ms(s.end) ? 1 : 0;
  }
  const ordered = [...byHour.values()].sort((a, b) => a.hour - b.hour);
  const today = localDay(t);
  const hourNow = localHour(t);
  for (const block of ordered) {
    if (day < today || (day === today && block.hour < hourNow)) block.state = "past";
    else if (day === today && block.hour === hourNow) block.state = "now";
    else block.still_on = 0;
  }
  const coming = ordered.filter((b) => b.state !== "past");
  const later = coming.filter((b) => b.state === "later");
  const short = sessions.length <= OPEN_ALL_UP_TO;
  for (const block of ordered) {
    // Open: this hour and the next hour with sessions; on a short day every hour not over yet.
    block.open = block.state === "past" ? short && block.still_on > 0 : short || block.state === "now" || block === later[0];
  }
  const nowIndex = day === today && coming.length ? ordered.indexOf(coming[0]) : null;
  return { blocks: ordered, nowIndex };
}
