// The news editor's formatted view: the article as it will look, a toolbar (heading, bold,
// lists, link, picture) and paste from Word (or of a picture), all written back to the Markdown textarea the
// form sends, so a clerk never has to see Markdown; the "Source" button shows the textarea
// and the live preview for experts. Without this script the textarea is the editor.
//
// Pasted HTML (Word, WPS, web pages) is read with the browser's DOMParser (an inert document:
// nothing in it runs or loads) and rebuilt from the same few blocks the article format has.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.getElementById("body");
  const visual = document.getElementById("visual");
  const toolbar = document.getElementById("toolbar");
  const preview = document.getElementById("preview");
  const split = document.getElementById("body-split");
  if (!body || !visual || !toolbar || !preview || !split) return;
  const csrf = preview.dataset.csrf;
  const byId = (id) => document.getElementById(id);
  const sourceButton = toolbar.querySelector("[data-cmd=source]");
  const sourceLabel = sourceButton.textContent;
  let dirty = false;
  let source = false;

  // ---- The article's blocks, read from a DOM (the formatted view, or pasted HTML) ----------
  const MEDIA = /^\/console\/media\/([0-9a-f]{64})$/;
  const SKIP = new Set(["SCRIPT", "STYLE", "META", "TITLE", "LINK", "HEAD", "TEMPLATE", "BUTTON", "SELECT", "TEXTAREA"]);
  const BLOCK = new Set(["P", "DIV", "SECTION", "ARTICLE", "BLOCKQUOTE", "CENTER", "HEADER", "FOOTER", "MAIN", "PRE", "ADDRESS", "FIGURE"]);
  // An inline element holding blocks (Google Docs wraps a whole paste in one <b>) is walked as
  // a container, so its paragraphs stay paragraphs.
  const BLOCKS = "p, div, h1, h2, h3, h4, h5, h6, ul, ol, li, table, blockquote";
  const styleOf = (el) => (el.getAttribute && el.getAttribute("style")) || "";
  const weight = (el) => {
    const m = /font-weight\s*:\s*(\w+)/i.exec(styleOf(el));
    if (!m) return null;
    return m[1] === "bold" || m[1] === "bolder" || Number(m[1]) >= 600;
  };

  function read(root) {
    const blocks = [];
    let dropped = 0;
    let para = null;
    const flush = () => { if (para && para.spans.length) blocks.push(para); para = null; };
    const current = () => { if (!para) para = { type: "p", spans: [] }; return para; };
    const push = (target, text, bold, href) => {
      const last = target.spans[target.spans.length - 1];
      if (last && !last.image && last.bold === bold && last.href === href) last.text += text;
      else target.spans.push({ text, bold, href });
    };
    // Inline content of `node` into `target` (a paragraph, heading or list item).
    function inline(node, target, bold, href) {
      for (const n of node.childNodes) {
        if (n.nodeType === 3) { push(target, n.data.replace(/\s+/g, " "), bold, href); continue; }
        if (n.nodeType !== 1 || SKIP.has(n.tagName)) continue;
        const tag = n.tagName;
        if (/mso-list\s*:\s*ignore|display\s*:\s*none/i.test(styleOf(n))) continue;
        if (tag === "BR") { push(target, "\n", bold, href); continue; }
        if (tag === "IMG" || tag === "V:IMAGEDATA") {
          const m = MEDIA.exec(n.getAttribute("src") || "");
          if (m) target.spans.push({ image: m[1] }); else dropped++;
          continue;
        }
        let b = bold;
        if (tag === "B" || tag === "STRONG") b = weight(n) !== false;
        else if (weight(n) !== null) b = weight(n);
        let h = href;
        if (tag === "A") {
          const to = n.getAttribute("href") || "";
          h = /^https?:\/\//i.test(to) ? to : null;
        }
        inline(n, target, b, h);
      }
    }
    function list(el, depth) {
      const ordered = el.tagName === "OL";
      for (const li of el.children) {
        if (li.tagName === "UL" || li.tagName === "OL") { list(li, depth + 1); continue; }
        const item = { type: "li", ordered, depth, spans: [] };
        const nested = [];
        for (const c of [...li.childNodes]) {
          if (c.nodeType === 1 && (c.tagName === "UL" || c.tagName === "OL")) nested.push(c);
        }
        const copy = li.cloneNode(true);
        copy.querySelectorAll("ul, ol").forEach((x) => x.remove());
        inline(copy, item, false, null);
        if (item.spans.length) blocks.push(item);
        nested.forEach((x) => list(x, depth + 1));
      }
    }
    function walk(node) {
      for (const n of node.childNodes) {
        if (n.nodeType === 3) { inline({ childNodes: [n] }, current(), false, null); continue; }
        if (n.nodeType !== 1 || SKIP.has(n.tagName)) continue;
        const tag = n.tagName;
        const cls = n.getAttribute("class") || "";
        const heading = /^H([1-6])$/.exec(tag);
        const msoList = /mso-list\s*:\s*l\d+\s+level(\d+)/i.exec(styleOf(n));
        if (heading || /^Mso(Title|Subtitle)$/i.test(cls)) {
          flush();
          const level = heading ? Math.min(3, Number(heading[1])) : /Title/i.test(cls) && !/Sub/i.test(cls) ? 1 : 2;
          const h = { type: "h", level, spans: [] };
          inline(n, h, false, null);
          if (h.spans.length) blocks.push(h);
        } else if (msoList) {
          // Word's clipboard writes list items as paragraphs, their marker in a span it hides.
          flush();
          const marker = n.querySelector("[style*='mso-list'][style*='gnore'], [style*='mso-list'][style*='GNORE']");
          const ordered = marker ? /^[\s\u00a0]*[0-9a-zA-Z一二三四五六七八九十]+[.)、．]/.test(marker.textContent) : false;
          const item = { type: "li", ordered, depth: Math.min(3, Number(msoList[1]) - 1), spans: [] };
          inline(n, item, false, null);
          if (item.spans.length) blocks.push(item);
        } else if (tag === "UL" || tag === "OL") {
          flush();
          list(n, 0);
        } else if (tag === "TABLE") {
          flush();
          for (const tr of n.querySelectorAll("tr")) {
            if (tr.closest("table") !== n) continue;
            const cells = [...tr.children]
              .map((td) => td.textContent.replace(/\s+/g, " ").trim())
              .filter((t) => t);
            if (cells.length) blocks.push({ type: "p", spans: [{ text: cells.join(" ｜ "), bold: false, href: null }] });
          }
        } else if (tag === "IMG" || tag === "BR" || !BLOCK.has(tag) && tag !== "LI" && tag !== "HR" && !n.querySelector(BLOCKS)) {
          inline({ childNodes: [n] }, current(), false, null);
        } else {
          flush();
          walk(n);
          flush();
        }
      }
    }
    walk(root);
    flush();
    return { blocks: tidy(blocks), dropped };
  }

  // Spans trimmed at a block's ends, empty ones gone; a paragraph's pictures become blocks.
  function tidy(blocks) {
    const out = [];
    for (const b of blocks) {
      const parts = [[]];
      for (const s of b.spans) {
        if (s.image) { parts.push({ image: s.image }, []); continue; }
        parts[parts.length - 1].push(s);
      }
      for (const part of parts) {
        if (!Array.isArray(part)) { out.push({ type: "img", hash: part.image }); continue; }
        const lines = b.type === "p" ? splitLines(part) : [part.map((s) => ({ ...s, text: s.text.replace(/\n/g, " ") }))];
        for (const line of lines) {
          const spans = trim(line);
          if (spans.length) out.push({ ...b, spans });
        }
      }
    }
    return out;
  }
  function splitLines(spans) {
    const lines = [[]];
    for (const s of spans) {
      s.text.split("\n").forEach((piece, i) => {
        if (i > 0) lines.push([]);
        if (piece) lines[lines.length - 1].push({ ...s, text: piece });
      });
    }
    return lines;
  }
  function trim(spans) {
    const out = spans.map((s) => ({ ...s }));
    if (out.length) out[0].text = out[0].text.replace(/^[\s\u00a0\u3000]+/, "");
    if (out.length) out[out.length - 1].text = out[out.length - 1].text.replace(/[\s\u00a0\u3000]+$/, "");
    return out.filter((s) => s.text !== "");
  }

  // ---- Blocks as the article format (as the server writes a Word import) -------------------
  const esc = (t) => t.replace(/\u00a0/g, " ").replace(/[\\`*_[\]<>#!&|~]/g, "\\$&");
  const EDGE = /^[\s\u00a0\p{P}]+|[\s\u00a0\p{P}]+$/gu;
  function strong(text) {
    const core = text.replace(EDGE, "");
    if (!core) return esc(text);
    const at = text.indexOf(core);
    return esc(text.slice(0, at)) + "**" + esc(core) + "**" + esc(text.slice(at + core.length));
  }
  const inlineMd = (spans) => spans.map((s) => {
    if (s.href) return "[" + esc(s.text.trim() || s.href) + "](" + s.href.replace(/[()\s]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")) + ")";
    return s.bold ? strong(s.text) : esc(s.text);
  }).join("");
  const lineStart = (l) => l.replace(/^([-+=])/, "\\$1").replace(/^(\d+)([.)])/, "$1\\$2");
  function markdown(blocks) {
    let out = "";
    let afterItem = false;
    for (const b of blocks) {
      let text;
      if (b.type === "h") text = "#".repeat(b.level) + " " + inlineMd(b.spans.map((s) => ({ ...s, bold: false, href: null })));
      else if (b.type === "li") text = "    ".repeat(b.depth) + (b.ordered ? "1. " : "- ") + inlineMd(b.spans);
      else if (b.type === "img") text = "![](media:" + b.hash + ")";
      else text = lineStart(inlineMd(b.spans));
      const item = b.type === "li";
      if (out) out += afterItem && item ? "\n" : "\n\n";
      out += text;
      afterItem = item;
    }
    return out ? out + "\n" : "";
  }

  // ---- Blocks as clean HTML for the formatted view (what a paste inserts) -----------------
  function html(blocks) {
    const root = document.createElement("div");
    let listEl = null;
    for (const b of blocks) {
      if (b.type !== "li") listEl = null;
      let el;
      if (b.type === "img") {
        el = document.createElement("p");
        const img = document.createElement("img");
        img.src = "/console/media/" + b.hash;
        img.alt = "";
        el.append(img);
      } else {
        el = document.createElement(b.type === "h" ? "h" + b.level : b.type === "li" ? "li" : "p");
        for (const s of b.spans) {
          let node = document.createTextNode(s.text);
          if (s.bold && b.type !== "h") { const strongEl = document.createElement("strong"); strongEl.append(node); node = strongEl; }
          if (s.href) { const a = document.createElement("a"); a.href = s.href; a.append(node); node = a; }
          el.append(node);
        }
      }
      if (b.type === "li") {
        const tag = b.ordered ? "OL" : "UL";
        if (!listEl || listEl.tagName !== tag) { listEl = document.createElement(tag); root.append(listEl); }
        listEl.append(el);
      } else {
        root.append(el);
      }
    }
    return root.innerHTML;
  }

  // ---- The formatted view ------------------------------------------------------------------
  const note = document.createElement("p");
  note.className = "warn";
  note.hidden = true;
  visual.before(note);
  const sync = () => { dirty = true; body.value = markdown(read(visual).blocks); };
  const render = () => {
    const data = new URLSearchParams({ _csrf: csrf, body: body.value });
    return fetch("/console/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => { visual.innerHTML = text; dirty = false; });
  };
  let saved = null;
  const remember = () => {
    const sel = document.getSelection();
    if (sel.rangeCount && visual.contains(sel.getRangeAt(0).commonAncestorContainer)) saved = sel.getRangeAt(0).cloneRange();
  };
  const restore = () => {
    visual.focus();
    if (saved) { const sel = document.getSelection(); sel.removeAllRanges(); sel.addRange(saved); }
  };
  document.addEventListener("selectionchange", remember);
  visual.addEventListener("input", sync);
  visual.addEventListener("paste", (e) => {
    if (!e.clipboardData) return;
    const pasted = e.clipboardData.getData("text/html");
    // A picture on its own (a screenshot, an image copied from a viewer): uploaded like one
    // chosen with the Picture button, placed where it was pasted.
    const pictures = [...e.clipboardData.files].filter((f) => f.type.startsWith("image/"));
    if (!pasted && pictures.length) {
      e.preventDefault();
      remember();
      pictures.reduce((done, file) => done.then(() => upload(file)), Promise.resolve());
      return;
    }
    if (!pasted) return;
    e.preventDefault();
    const doc = new DOMParser().parseFromString(pasted, "text/html");
    const { blocks, dropped } = read(doc.body);
    document.execCommand("insertHTML", false, html(blocks));
    note.hidden = dropped === 0;
    note.textContent = visual.dataset.pasteDropped.replace("{n}", dropped);
    sync();
  });

  function setSource(on) {
    source = on;
    split.classList.toggle("visual-mode", !on);
    visual.hidden = on;
    byId("visual-label").hidden = on;
    byId("source-label").hidden = !on;
    byId("preview-pane").hidden = !on;
    byId("image-label").hidden = !on;
    note.hidden = true;
    sourceButton.setAttribute("aria-pressed", String(on));
    sourceButton.textContent = on ? sourceButton.dataset.visual : sourceLabel;
    toolbar.querySelectorAll("[data-cmd]").forEach((b) => {
      if (b.dataset.cmd !== "source" && b.dataset.cmd !== "image") b.disabled = on;
    });
    if (on) body.dispatchEvent(new Event("input"));
    else render();
  }

  // A picture for the formatted view: uploaded through the media pipeline like any other.
  const picker = document.createElement("input");
  picker.type = "file";
  picker.accept = "image/*";
  picker.hidden = true;
  picker.id = "visual-image";
  toolbar.append(picker);
  function upload(file) {
    const data = new FormData();
    data.append("_csrf", csrf);
    data.append("image", file);
    return fetch("/console/news/image", { method: "POST", body: data, credentials: "same-origin" })
      .then((r) => r.text().then((text) => ({ ok: r.ok, text })))
      .then(({ ok, text }) => {
        const m = /media:([0-9a-f]{64})/.exec(text);
        if (!ok || !m) { note.textContent = text; note.hidden = false; return; }
        restore();
        document.execCommand("insertImage", false, "/console/media/" + m[1]);
        remember();
        sync();
      });
  }
  picker.addEventListener("change", () => {
    const file = picker.files[0];
    picker.value = "";
    if (file) upload(file);
  });

  toolbar.addEventListener("mousedown", (e) => { if (e.target.closest("[data-cmd]")) e.preventDefault(); });
  toolbar.addEventListener("click", (e) => {
    const button = e.target.closest("[data-cmd]");
    if (!button) return;
    const cmd = button.dataset.cmd;
    if (cmd === "source") { setSource(!source); return; }
    if (cmd === "image") {
      if (source) byId("body-image").click(); else { remember(); picker.click(); }
      return;
    }
    restore();
    if (cmd === "heading") {
      const block = String(document.queryCommandValue("formatBlock")).toLowerCase();
      document.execCommand("formatBlock", false, /^h[1-6]$/.test(block) ? "p" : "h2");
    } else if (cmd === "bold") {
      document.execCommand("bold");
    } else if (cmd === "list") {
      document.execCommand("insertUnorderedList");
    } else if (cmd === "numbered") {
      document.execCommand("insertOrderedList");
    } else if (cmd === "link") {
      const url = (prompt(button.dataset.prompt, "https://") || "").trim();
      if (!url || url === "https://") return;
      if (!/^https?:\/\/\S+$/i.test(url)) { note.textContent = button.dataset.refused; note.hidden = false; return; }
      if (document.getSelection().isCollapsed) {
        const a = document.createElement("a");
        a.href = url;
        a.textContent = url;
        document.execCommand("insertHTML", false, a.outerHTML);
      } else {
        document.execCommand("createLink", false, url);
      }
    }
    sync();
  });

  body.removeAttribute("required");
  toolbar.hidden = false;
  setSource(false);
});
