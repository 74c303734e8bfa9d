// What is on now and next: the server's rule (now_and_next in webapp/program/queries.py), applied in
// the page as time passes and staff changes arrive. Every page script that groups sessions uses this.

import { localDay } from "./event-time.js";

const ms = (moment) => new Date(moment).getTime();

/** Return sessions in start order (ties by id). */
export const byStart = (a, b) => ms(a.start) - ms(b.start) || a.id.localeCompare(b.id);

/** Return {now, next}: the sessions running at t (in start order), and the first `limit` starting later that same event day. */
export function nowAndNext(sessions, t, limit = 2) {
  const today = localDay(t);
  const running = sessions.filter((s) => ms(s.start) <= t && t < ms(s.end)).sort(byStart);
  const upcoming = sessions.filter((s) => ms(s.start) > t && localDay(s.start) === today).sort(byStart);
  return { now: running, next: upcoming.slice(0, limit) };
}
