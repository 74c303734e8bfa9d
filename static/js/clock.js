// The page's "now": the moment the server rendered (?at=, EVENT_NOW or the wall clock), moving on with
// the wall clock only when the server said the page shows real time.

import { live } from "./live-data.js";

const loadedAt = Date.now();
const clock = live.clock ?? { now: new Date(loadedAt).toISOString(), ticking: true };

/** Return the page's "now" in epoch milliseconds. */
export function now() {
  const base = new Date(clock.now).getTime();
  return clock.ticking ? base + (Date.now() - loadedAt) : base;
}

/** Call render every ms while the page's clock moves (never for a fixed ?at= or EVENT_NOW). */
export function onTick(render, ms) {
  if (clock.ticking) setInterval(render, ms);
}
