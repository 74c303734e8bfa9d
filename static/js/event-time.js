// Times in the event's own time zone, for every page script.
// Changes carry their times in UTC; days and clock times must be read in the event's zone.

import { live } from "./live-data.js";

const timeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: live.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: live.tz, year: "numeric", month: "2-digit", day: "2-digit" });

/** Return the event-zone clock time (e.g. 14:05) of an ISO string, a Date or epoch milliseconds. */
export const hhmm = (moment) => timeFormat.format(new Date(moment));

/** Return the event-zone calendar day (YYYY-MM-DD) of an ISO string, a Date or epoch milliseconds. */
export const localDay = (moment) => dayFormat.format(new Date(moment));

/** Return a time range such as 14:00–15:30. */
export const timeRange = (start, end) => `${hhmm(start)}–${hhmm(end)}`;

const weekdayFormat = new Intl.DateTimeFormat(live.lang, { timeZone: live.tz, month: "short", day: "numeric", weekday: "short" });
const partsFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: live.tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23", timeZoneName: "longOffset",
});

/** Return the event-zone day in the page's language, e.g. "Wed, Nov 29". */
export const dayLabel = (moment) => weekdayFormat.format(new Date(moment)).replace(" (", "(");

/** Return a day and a time range, e.g. "Wed, Nov 29 10:00–11:00" (the staff console's webapp/staff/console.py when). */
export const when = (start, end) => `${dayLabel(start)} ${timeRange(start, end)}`;

/** Return a moment as a datetime-local value and its UTC offset, both in the event's time zone. */
export function localInput(moment) {
  const p = Object.fromEntries(partsFormat.formatToParts(new Date(moment)).map((x) => [x.type, x.value]));
  return { value: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`, offset: p.timeZoneName.replace("GMT", "") || "+00:00" };
}
