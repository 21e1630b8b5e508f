// The console's only script: a live Markdown preview, images inserted in the body at the
// cursor, the form builder's live preview, confirmations, a busy label on long submits, and a
// running import's progress. Pages work without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A running catalogue import: its progress fetched every second and put in place (without
  // the script the page refreshes itself), until the job's part says it is no longer running.
  // Ten answers in a row without the part (the session ended, the network is gone) stop the
  // polling and reload the page, which then says what happened.
  let misses = 0;
  const pollJob = () => {
    const job = document.getElementById("job");
    if (!job || !job.hasAttribute("data-running")) return;
    if (misses >= 10) {
      location.reload();
      return;
    }
    setTimeout(() => {
      fetch(location.pathname + "?part=1", { credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : ""))
        .then((html) => {
          const t = document.createElement("template");
          t.innerHTML = html;
          const next = t.content.getElementById("job");
          if (next) {
            misses = 0;
            job.replaceWith(next);
          } else {
            misses += 1;
          }
        })
        .catch(() => {
          misses += 1;
        })
        .finally(pollJob);
    }, 1000);
  };
  pollJob();
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
  // An image for the body: uploaded at once, its Markdown inserted at the cursor (without the
  // script the file goes with the form and lands at the end of the body).
  const bodyImage = document.getElementById("body-image");
  if (body && preview && bodyImage) {
    bodyImage.addEventListener("change", () => {
      const file = bodyImage.files[0];
      if (!file) return;
      const data = new FormData();
      data.append("_csrf", preview.dataset.csrf);
      data.append("image", file);
      fetch("/console/news/image", { method: "POST", body: data, credentials: "same-origin" })
        .then((r) => r.text().then((text) => ({ ok: r.ok, text })))
        .then(({ ok, text }) => {
          if (!ok) { alert(text); return; }
          const at = body.selectionStart;
          const before = body.value.slice(0, at);
          const after = body.value.slice(body.selectionEnd);
          const gap = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
          const insert = gap + text + "\n\n";
          body.value = before + insert + after;
          body.selectionStart = body.selectionEnd = at + insert.length;
          bodyImage.value = "";
          body.focus();
          body.dispatchEvent(new Event("input"));
        });
    });
  }
  // The form builder: the preview follows what is typed, and a field whose type changes is
  // drawn again with that type's rules (without the script, the next button press does both).
  const builder = document.getElementById("builder");
  const formPreview = document.getElementById("form-preview");
  if (builder && formPreview) {
    let timer = null;
    const refresh = () => {
      const data = new URLSearchParams(new FormData(builder));
      fetch(builder.dataset.preview, { method: "POST", body: data, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : null))
        .then((html) => { if (html !== null) formPreview.innerHTML = html; });
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 300); };
    builder.addEventListener("input", later);
    builder.addEventListener("change", later);
    builder.querySelectorAll("select[name$='.type']").forEach((type) => {
      type.addEventListener("change", () => {
        builder.action = builder.getAttribute("action").split("#")[0] + "#" + type.closest(".fieldcard").id;
        builder.querySelector("button.default").click();
      });
    });
  }
  document.querySelectorAll("[data-confirm]").forEach((b) => {
    b.addEventListener("click", (e) => { if (!confirm(b.dataset.confirm)) e.preventDefault(); });
  });
  document.querySelectorAll("[data-busy]").forEach((b) => {
    b.form.addEventListener("submit", () => { b.textContent = b.dataset.busy; b.disabled = true; });
  });
});
