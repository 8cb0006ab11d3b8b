// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts and handlers.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).catch(() => {});
}

// A suggested reply fills the field its button names (staff case page).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-fills]");
  if (!button) return;
  const field = document.getElementById(button.dataset.fills);
  if (field) {
    field.value = button.textContent;
    field.focus();
  }
});
