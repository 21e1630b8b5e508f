// The console's only script: a live Markdown preview, confirmations, and a busy label on long
// submits. Pages work without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.getElementById("body");
  const preview = document.getElementById("preview");
  if (body && preview) {
    let timer = null;
    const refresh = () => {
      const data = new URLSearchParams({ _csrf: preview.dataset.csrf, body: body.value });
      fetch("/console/preview", { method: "POST", body: data, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : ""))
        .then((html) => { preview.innerHTML = html; });
    };
    body.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    refresh();
  }
  document.querySelectorAll("[data-confirm]").forEach((b) => {
    b.addEventListener("click", (e) => { if (!confirm(b.dataset.confirm)) e.preventDefault(); });
  });
  document.querySelectorAll("[data-busy]").forEach((b) => {
    b.form.addEventListener("submit", () => { b.textContent = b.dataset.busy; b.disabled = true; });
  });
});
