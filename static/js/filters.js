// Apply a schedule filter as soon as it changes; the form still works without this script.
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  const room = form.querySelector("select[name=room]");
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => {
      // A new venue lists its own rooms: a room of the old one would match nothing.
      if (select.name === "venue" && room) room.value = "";
      form.requestSubmit();
    });
  }
}
