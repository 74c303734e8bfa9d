// Staff accounts: copy a sign-in link that was just made (it is shown once).

const button = document.getElementById("copy-link");
const field = document.getElementById("issued-url");

if (button && field && navigator.clipboard) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(field.value);
    button.textContent = button.dataset.copied;
  });
}
field?.addEventListener("focus", () => field.select());
