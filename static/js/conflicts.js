// Schedule conflicts: one tap posts the change that takes the source's value to /api/changes.
// Every text from the server goes into the page with textContent, never as HTML.

const words = JSON.parse(document.getElementById("conflict-words").textContent);
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

async function take(button) {
  const row = button.closest(".conflict");
  const result = row.querySelector(".conflict__result");
  button.disabled = true;
  result.textContent = words.sending;
  let response;
  try {
    response = await fetch("/api/changes", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: button.dataset.take,
    });
  } catch {
    result.textContent = words.offline;
    button.disabled = false;
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    result.textContent = `${words.taken}. ${words.done.replace("{seq}", body.seq)}`;
    row.classList.replace("conflict--open", "conflict--taken");
    button.remove();
    return;
  }
  result.textContent = body.message ?? words.failed;
  row.dataset.failed = "";
  button.disabled = false;
}

for (const button of document.querySelectorAll("button.conflict__take")) {
  button.addEventListener("click", () => take(button));
}
