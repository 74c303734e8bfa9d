// Distances and walks as people read them. Walking minutes are looked up in the bands the server
// computed (webapp/walking.py walking_bands), so the estimate's rule lives only there.

/** Return a distance as people read it: 180 m, 1.8 km (as the server's distance_label: halves rounded up). */
export function distanceLabel(m) {
  const tens = Math.round(m / 10) * 10;
  if (tens < 1000) return `${tens} m`;
  const hundreds = Math.round(m / 100);
  return `${Math.floor(hundreds / 10)}.${hundreds % 10} km`;
}

/** Return the whole minutes the server's bands give a straight-line distance, or null beyond the last band. */
export function walkingMinutes(straightM, bands) {
  const minutes = bands.findIndex((longest) => straightM <= longest);
  return minutes === -1 ? null : minutes;
}
