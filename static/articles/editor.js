/* Article editor: a Markdown toolbar on the article's text fields and a live preview rendered by
   the server with the public page's renderer. Without JavaScript the fields are plain textareas. */
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 400;

  function insertAround(textarea, before, after, placeholder) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value;
    var selected = value.slice(start, end) || placeholder;
    textarea.setRangeText(before + selected + after, start, end, "end");
    if (start === end) {
      textarea.setSelectionRange(start + before.length, start + before.length + selected.length);
    }
    changed(textarea);
  }

  function prefixLines(textarea, prefixFor) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = value.indexOf("\n", textarea.selectionEnd);
    if (end === -1) end = value.length;
    var lines = value.slice(start, end).split("\n").map(function (line, i) {
      return prefixFor(i) + line.replace(/^(#{1,6} |[-*] |\d+\. )/, "");
    });
    textarea.setRangeText(lines.join("\n"), start, end, "select");
    changed(textarea);
  }

  function changed(textarea) {
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var ACTIONS = {
    heading: function (t) { prefixLines(t, function () { return "## "; }); },
    subheading: function (t) { prefixLines(t, function () { return "### "; }); },
    bold: function (t) { insertAround(t, "**", "**", "bold text"); },
    italic: function (t) { insertAround(t, "*", "*", "italic text"); },
    bullets: function (t) { prefixLines(t, function () { return "- "; }); },
    numbers: function (t) { prefixLines(t, function (i) { return (i + 1) + ". "; }); }
  };

  /* The reference rows of the inline, as "number: title" for the cite menu. */
  function referenceRows(form) {
    var rows = [];
    form.querySelectorAll("#references-group tr.form-row:not(.empty-form)").forEach(function (row) {
      var number = row.querySelector("input[name$='-number']");
      var title = row.querySelector("input[name$='-title']");
      var deleted = row.querySelector("input[name$='-DELETE']");
      if (number && number.value && !(deleted && deleted.checked)) {
        rows.push({ number: number.value, title: title ? title.value : "" });
      }
    });
    return rows.sort(function (a, b) { return a.number - b.number; });
  }

  function fillCiteMenu(select, form) {
    while (select.options.length > 1) select.remove(1);
    referenceRows(form).forEach(function (row) {
      var label = "[" + row.number + "] " + (row.title || "(no title yet)");
      select.add(new Option(label.length > 80 ? label.slice(0, 79) + "…" : label, row.number));
    });
  }

  /* Citing right after a citation joins them in the house style: [1] then 2 gives [1, 2], and
     three or more in a row become a range, [1–3], which the renderer reads as 1, 2 and 3. */
  var CITATION_BEFORE = /\[(\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*)\][ \t]*$/;

  function citationNumbers(inside) {
    var numbers = [];
    inside.split(/\s*,\s*/).forEach(function (part) {
      var bounds = part.split(/\s*[\u2013-]\s*/).map(Number);
      if (bounds.length === 2 && bounds[0] <= bounds[1] && bounds[1] - bounds[0] <= 50) {
        for (var n = bounds[0]; n <= bounds[1]; n++) numbers.push(n);
      } else {
        numbers.push.apply(numbers, bounds);
      }
    });
    return numbers;
  }

  function citationText(numbers) {
    var sorted = Array.from(new Set(numbers)).sort(function (a, b) { return a - b; });
    var parts = [], start = 0;
    for (var i = 1; i <= sorted.length; i++) {
      if (i < sorted.length && sorted[i] === sorted[i - 1] + 1) continue;
      var run = sorted.slice(start, i);
      parts.push(run.length >= 3 ? run[0] + "\u2013" + run[run.length - 1] : run.join(", "));
      start = i;
    }
    return "[" + parts.join(", ") + "]";
  }

  function insertCitation(textarea, number) {
    textarea.focus();
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    var previous = start === end && !/^[(\[]/.test(value.slice(end)) && CITATION_BEFORE.exec(value.slice(0, start));
    if (previous) {
      var numbers = citationNumbers(previous[1]).concat([number]);
      textarea.setRangeText(citationText(numbers), previous.index, start, "end");
    } else {
      var space = start === 0 || /\s/.test(value.charAt(start - 1)) ? "" : " ";
      textarea.setRangeText(space + "[" + number + "]", start, end, "end");
    }
    changed(textarea);
  }

  function setUpToolbar(editor, form) {
    var textarea = editor.querySelector("textarea");
    var toolbar = editor.querySelector(".md-toolbar");
    if (!textarea || !toolbar) return;
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-md]");
      if (button && ACTIONS[button.dataset.md]) ACTIONS[button.dataset.md](textarea);
    });
    var cite = toolbar.querySelector("select[data-md='cite']");
    if (cite) {
      /* Kept in step with the reference rows as they are typed, added and deleted. */
      fillCiteMenu(cite, form);
      form.addEventListener("input", function (event) {
        if (event.target.closest("#references-group")) fillCiteMenu(cite, form);
      });
      form.addEventListener("change", function (event) {
        if (event.target.closest("#references-group")) fillCiteMenu(cite, form);
      });
      cite.addEventListener("focus", function () { fillCiteMenu(cite, form); });
      cite.addEventListener("change", function () {
        if (!cite.value) return;
        var number = Number(cite.value);
        cite.selectedIndex = 0;
        insertCitation(textarea, number);
      });
    }
    textarea.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      var key = event.key.toLowerCase();
      if (key === "b" || key === "i") {
        event.preventDefault();
        ACTIONS[key === "b" ? "bold" : "italic"](textarea);
      }
    });
  }

  /* Reviewers' open comments (listed above the form) are marked on the passage they quote in
     the live preview, with a link to the comment: the editor sees them beside the text. */
  var PARTS = {
    patient: { summary: ".md-preview-summary", body: ".md-preview-body" },
    professional: { professional_summary: ".md-preview-summary", professional_body: ".md-preview-body" }
  };

  function squashed(text) { return (text || "").replace(/\s+/g, ""); }

  function markComments(output, audience) {
    var data = document.getElementById("passage-comment-markers");
    if (!data) return;
    var found = [], texts = {};
    JSON.parse(data.textContent).forEach(function (marker) {
      var selector = (PARTS[audience] || {})[marker.part];
      var container = selector && output.querySelector(selector);
      if (!container) return;
      if (!texts[selector]) {  /* read every passage before any flag is added */
        texts[selector] = Array.prototype.map.call(
          container.querySelectorAll("p, li, h2, h3, h4, h5, h6, pre, td, th"),
          function (b) { return { block: b, text: squashed(b.textContent) }; });
      }
      var wanted = squashed(marker.text), quote = squashed(marker.quote);
      var hit = texts[selector].find(function (t) { return t.text === wanted; }) ||
        (quote && texts[selector].find(function (t) { return t.text.indexOf(quote) !== -1; }));
      /* Not found: the passage was rewritten since; the list above the form still shows it. */
      if (hit) found.push({ block: hit.block, id: marker.id });
    });
    found.forEach(function (item) {
      item.block.classList.add("has-comment");
      var flag = document.createElement("a");
      flag.className = "comment-flag";
      flag.href = "#comment-" + item.id;
      flag.textContent = "Reviewer comment";
      item.block.appendChild(document.createTextNode(" "));
      item.block.appendChild(flag);
    });
  }

  /* The preview is shown in a frame holding only the public page's stylesheet, so it looks as
     readers will see it; its width is the panel's ("Fit") or a device's, scaled down to fit the
     panel when wider. The choice is remembered in this browser. */
  var DEVICE_KEY = "editorial.previewDevice";

  function storedDevice() {
    try { return window.localStorage.getItem(DEVICE_KEY) || ""; } catch (e) { return ""; }
  }

  function setUpFrame(editor, audience) {
    var frame = editor.querySelector("iframe.md-preview-frame");
    var stage = editor.querySelector(".md-preview-stage");
    var note = editor.querySelector(".md-device-note");
    var buttons = editor.querySelectorAll(".md-devices button[data-device]");
    var device = null, pending = null;

    function slot() {
      var doc = frame.contentDocument;
      return doc && doc.querySelector("[data-preview-output]");
    }

    function fit() {
      if (!stage.clientWidth) return;  /* folded away (the professional version): fitted when shown */
      var width = device ? Number(device.dataset.width) : stage.clientWidth;
      var scale = Math.min(1, stage.clientWidth / width);
      frame.style.width = width + "px";
      frame.style.transform = scale < 1 ? "scale(" + scale + ")" : "";
      frame.style.marginLeft = Math.max(0, (stage.clientWidth - width * scale) / 2) + "px";
      var doc = frame.contentDocument;
      var height = slot() ? Math.ceil(doc.documentElement.getBoundingClientRect().height) : 0;
      frame.style.height = height + "px";
      stage.style.height = Math.ceil(height * scale) + "px";
      note.textContent = device ? device.title + (scale < 1 ? ", shown at " + Math.round(scale * 100) + "%" : "") + "." : "";
    }

    function choose(button, remember) {
      device = button.dataset.device ? button : null;
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
      if (remember) {
        try { window.localStorage.setItem(DEVICE_KEY, button.dataset.device); } catch (e) { /* private mode */ }
      }
      fit();
    }

    /* Links inside the frame: a citation or back link scrolls the preview, a comment flag goes to
       the comment above the form, and anything else opens in a new tab, never inside the frame. */
    function followLinks(doc) {
      doc.addEventListener("click", function (event) {
        var link = event.target.closest && event.target.closest("a[href]");
        if (!link) return;
        var href = link.getAttribute("href");
        if (href.charAt(0) !== "#") { link.target = "_blank"; link.rel = "noopener noreferrer"; return; }
        event.preventDefault();
        var inside = doc.getElementById(href.slice(1));
        if (inside) inside.scrollIntoView({ block: "center" });
        else if (document.getElementById(href.slice(1))) window.location.hash = href;
      });
    }

    var checksPanel = editor.querySelector("[data-checks-panel]");

    /* The editorial checks come with the preview; they are shown beside it, in the admin's page
       (not in the frame, which has only the public stylesheet). */
    function takeChecks(html) {
      if (!checksPanel) return html;
      var template = document.createElement("template");
      template.innerHTML = html;  /* rendered and sanitised by the server (nh3); templates run nothing */
      var found = template.content.querySelector("[data-editor-checks]");
      if (!found) return html;
      found.remove();
      checksPanel.replaceChildren(document.importNode(found, true));
      return template.innerHTML;
    }

    function show(html) {
      html = takeChecks(html);
      pending = html;
      var output = slot();
      if (!output) return;  /* the frame is still loading: shown when it has */
      pending = null;
      output.innerHTML = html;  /* rendered and sanitised by the server (nh3) */
      markComments(output, audience);
      fit();
    }

    frame.addEventListener("load", function () {
      var doc = frame.contentDocument;
      if (!slot()) return;
      followLinks(doc);
      new frame.contentWindow.ResizeObserver(function () { fit(); }).observe(doc.documentElement);
      if (pending !== null) show(pending);
    });
    new ResizeObserver(function () { fit(); }).observe(stage);
    buttons.forEach(function (button) {
      button.addEventListener("click", function () { choose(button, true); });
    });
    var remembered = Array.prototype.find.call(buttons, function (b) { return b.dataset.device === storedDevice(); });
    choose(remembered || buttons[0], false);
    frame.src = frame.dataset.src;
    return show;
  }

  function setUpPreview(editor, form, previewUrl) {
    var panel = editor.querySelector(".md-preview-panel");
    var status = editor.querySelector(".md-preview-status");
    if (!panel || !editor.querySelector("iframe.md-preview-frame") || !previewUrl) return;
    panel.hidden = false;
    var show = setUpFrame(editor, editor.dataset.preview);
    var timer = null, inFlight = null, sequence = 0;

    function refresh() {
      var data = new FormData(form);
      data.set("audience", editor.dataset.preview);
      var mine = ++sequence;
      if (inFlight) inFlight.abort();
      inFlight = new AbortController();
      status.textContent = "(updating…)";
      fetch(previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        signal: inFlight.signal
      }).then(function (response) {
        if (window.EditorialSession && window.EditorialSession.isSignedOut(response)) {
          document.dispatchEvent(new CustomEvent("editorial:signed-out"));  /* session.js asks to sign in */
          throw new Error("your session has ended; sign in again");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      }).then(function (html) {
        if (mine !== sequence) return;
        show(html);
        status.textContent = "";
      }).catch(function (error) {
        if (error.name === "AbortError") return;
        status.textContent = "(could not update the preview: " + error.message + ")";
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, PREVIEW_DELAY_MS);
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    document.addEventListener("editorial:signed-in", schedule);
    refresh();
  }

  /* "Look up" beside each reference's DOI: fills the empty title, source and year from the
     operator's lookup service (only offered when it is enabled). */
  function setUpLookup(form, lookupUrl) {
    function addButton(row) {
      var doiCell = row.querySelector("td.field-doi");
      if (!doiCell || doiCell.querySelector(".ref-lookup")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-button ref-lookup";
      button.textContent = "Look up";
      button.setAttribute("aria-label", "Look up this reference's title, source and year from its DOI or PubMed ID");
      var status = document.createElement("span");
      status.className = "ref-lookup-status";
      status.setAttribute("role", "status");
      doiCell.append(button, status);
      button.addEventListener("click", function () {
        var field = function (name) { return row.querySelector("[name$='-" + name + "']"); };
        var params = new URLSearchParams({ doi: field("doi").value, pmid: field("pmid").value });
        status.textContent = "Looking up…";
        button.disabled = true;
        fetch(lookupUrl + "?" + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            if (response.status === 401) document.dispatchEvent(new CustomEvent("editorial:signed-out"));
            return response.json().catch(function () { return { error: "The lookup failed (HTTP " + response.status + ")." }; });
          })
          .then(function (found) {
            if (found.error) { status.textContent = found.message || found.error; return; }
            var filled = [];
            ["title", "source", "year"].forEach(function (name) {
              var input = field(name);
              if (input && !input.value && found[name]) { input.value = found[name]; filled.push(name); }
            });
            status.textContent = filled.length ? "Filled " + filled.join(", ") + "; check before saving." : "Nothing to fill: the fields already have values.";
            form.dispatchEvent(new Event("input", { bubbles: true }));
          })
          .catch(function () { status.textContent = "Could not reach the lookup; enter the details by hand."; })
          .finally(function () { button.disabled = false; });
      });
    }
    form.querySelectorAll("#references-group tr.form-row:not(.empty-form)").forEach(addButton);
    document.addEventListener("formset:added", function (event) {
      if (event.target && event.target.closest && event.target.closest("#references-group")) addButton(event.target);
    });
  }

  /* Move up / Move down beside each reference's number. Cited references are numbered in the
     order the text first cites them (the server renumbers on save), so only references the text
     does not cite trade places; for cited ones the status line says how to change their order. */
  var CITATION = /\[(\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*)\](?![(\[])/g;

  function citedNumbers(form) {
    var cited = new Set();
    ["summary", "body", "professional_summary", "professional_body"].forEach(function (name) {
      var field = form.querySelector("textarea[name='" + name + "']");
      var text = field ? field.value : "";
      text.replace(CITATION, function (match, inside) {
        citationNumbers(inside).forEach(function (n) { cited.add(n); });
        return match;
      });
    });
    return cited;
  }

  function setUpReorder(form) {
    var group = form.querySelector("#references-group");
    if (!group) return;
    var status = group.querySelector("#ref-order-status");
    function numberOf(row) {
      var input = row.querySelector("input[name$='-number']");
      var deleted = row.querySelector("input[name$='-DELETE']");
      if (!input || !/^\d+$/.test(input.value) || (deleted && deleted.checked)) return null;
      return Number(input.value);
    }
    function neighbour(row, direction) {
      var own = numberOf(row), best = null, bestNumber = null;
      group.querySelectorAll("tr.form-row:not(.empty-form)").forEach(function (other) {
        var n = numberOf(other);
        if (other === row || n === null) return;
        if (direction < 0 ? (n < own && (bestNumber === null || n > bestNumber)) : (n > own && (bestNumber === null || n < bestNumber))) {
          best = other; bestNumber = n;
        }
      });
      return best;
    }
    function move(row, direction) {
      var own = numberOf(row);
      if (own === null) { status.textContent = "Give this reference a number first."; return; }
      var other = neighbour(row, direction);
      if (!other) { status.textContent = "Reference " + own + " is already " + (direction < 0 ? "first." : "last."); return; }
      var theirs = numberOf(other), cited = citedNumbers(form);
      if (cited.has(own) || cited.has(theirs)) {
        var which = cited.has(own) ? own : theirs;
        status.textContent = "Reference " + which + " is cited in the text, and cited references are numbered in the order " +
          "readers first meet them. To change that order, change where the text cites them.";
        return;
      }
      row.querySelector("input[name$='-number']").value = theirs;
      other.querySelector("input[name$='-number']").value = own;
      if (direction < 0) row.after(other); else row.before(other);
      var title = row.querySelector("[name$='-title']");
      status.textContent = "“" + ((title && title.value) || "Untitled reference") + "” is now reference " + theirs + ". Save to keep the order.";
      label(row); label(other);
      form.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function label(row) {
      var n = numberOf(row), name = n === null ? "this reference" : "reference " + n;
      row.querySelectorAll(".ref-move").forEach(function (button) {
        button.setAttribute("aria-label", "Move " + name + (button.dataset.direction < 0 ? " up" : " down"));
      });
    }
    function addButtons(row) {
      var cell = row.querySelector("td.field-number");
      if (!cell || cell.querySelector(".ref-move")) return;
      var box = document.createElement("span");
      box.className = "ref-move-buttons";
      [[-1, "↑"], [1, "↓"]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "md-button ref-move";
        button.dataset.direction = spec[0];
        button.textContent = spec[1];
        button.addEventListener("click", function () { move(row, spec[0]); });
        box.append(button);
      });
      cell.append(box);
      label(row);
      row.addEventListener("input", function (event) { if (event.target.name && /-number$/.test(event.target.name)) label(row); });
    }
    group.querySelectorAll("tr.form-row:not(.empty-form)").forEach(addButtons);
    document.addEventListener("formset:added", function (event) {
      if (event.target && event.target.closest && event.target.closest("#references-group")) addButtons(event.target);
    });
  }

  /* A new reference row is numbered at once, after the highest number in the table, so it can be
     cited from the toolbar straight away (a new row with only its number is not saved). */
  function setUpNumbering(form) {
    var group = form.querySelector("#references-group");
    if (!group) return;
    function numberNew(row, announce) {
      var input = row.querySelector("input[name$='-number']");
      if (!input || input.value || input.readOnly) return;
      var highest = 0;
      group.querySelectorAll("tr.form-row:not(.empty-form)").forEach(function (other) {
        var number = other.querySelector("input[name$='-number']");
        var deleted = other.querySelector("input[name$='-DELETE']");
        if (number && /^\d+$/.test(number.value) && !(deleted && deleted.checked)) highest = Math.max(highest, Number(number.value));
      });
      input.value = highest + 1;
      /* Added by the editor: the cite menu and the arrows follow; on loading, nothing was typed. */
      if (announce) input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    group.querySelectorAll("tr.form-row:not(.empty-form):not(.has_original)").forEach(function (row) { numberNew(row, false); });
    document.addEventListener("formset:added", function (event) {
      if (event.target && event.target.closest && event.target.closest("#references-group")) numberNew(event.target, true);
    });
  }

  /* The change note's help shows the public line readers will see; it follows what is typed. */
  function setUpChangeNoteExample(form) {
    var example = form.querySelector("[data-change-note-example]");
    var note = form.querySelector("[name='change_note']"), kind = form.querySelector("[name='change_kind']");
    if (!example || !note || !kind) return;
    var noteOut = example.querySelector("[data-note]"), kindOut = example.querySelector("[data-kind]");
    var sampleNote = noteOut.textContent, sampleKind = kindOut.textContent;
    function update() {
      noteOut.textContent = note.value.trim() || sampleNote;
      kindOut.textContent = kind.value ? "(" + kind.options[kind.selectedIndex].text + ")" : sampleKind;
    }
    note.addEventListener("input", update);
    kind.addEventListener("change", update);
    update();
  }

  /* Warn before leaving the page (a link, the workflow buttons above the form, closing the tab)
     while the form holds typed changes; saving the form itself is not leaving. */
  function guardUnsavedChanges(form) {
    var dirty = false;
    function markDirty(event) {
      if (event.target && event.target.closest && event.target.closest("#article_form")) dirty = true;
    }
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return undefined;
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("#article_form");
    if (!form) return;
    guardUnsavedChanges(form);
    form.querySelectorAll("[data-markdown-editor]").forEach(function (editor) {
      setUpToolbar(editor, form);
      if (editor.dataset.preview) setUpPreview(editor, form, editor.dataset.previewUrl);
    });
    var lookup = form.querySelector("[data-lookup-url]");
    if (lookup) setUpLookup(form, lookup.dataset.lookupUrl);
    setUpNumbering(form);
    setUpReorder(form);
    setUpChangeNoteExample(form);
  });
})();
