// A full room's alternatives (templates/_alternatives.html): shown while the room is full, hidden when
// staff open it again, as the live changes arrive (live.js sends venue-live:change for each one).

document.addEventListener("venue-live:change", (event) => {
  const change = event.detail;
  const status = change?.after?.status;
  if (change?.session || !change?.room || !["open", "full"].includes(status)) return;
  for (const box of document.querySelectorAll(`[data-alternatives-room="${CSS.escape(change.room)}"]`)) {
    box.hidden = status !== "full";
  }
});
