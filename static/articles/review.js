// The review screen: "expand all" unfolds the unchanged passages without a reload (the link
// itself reloads with ?expand=all where scripts do not run), and the reader previews grow
// to the full height of the page they show, so a reviewer scrolls one page, not a frame.
(function () {
  "use strict";

  document.querySelectorAll(".diff-expand-all").forEach(function (link) {
    var expanded = false;
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      expanded = !expanded;
      document.querySelectorAll(".review-diff details").forEach(function (details) {
        details.open = expanded;
      });
      link.setAttribute("aria-expanded", String(expanded));
      link.textContent = expanded ? "Fold unchanged passages again" : "Expand all unchanged passages";
    });
  });

  // On a phone the whole-page preview of an update runs to many screens below the changes it
  // repeats: fold it there (the reviewer opens it), so the comments and the decision stay near.
  if (window.matchMedia && window.matchMedia("(max-width: 767px)").matches) {
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (details) { details.open = false; });
  }

  function fit(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (e) { return; } // another origin: keep the CSS height
    if (!doc || !doc.documentElement) return;
    frame.style.height = doc.documentElement.scrollHeight + "px";
  }

  document.querySelectorAll("iframe.preview-frame").forEach(function (frame) {
    function follow() {
      fit(frame);
      var doc = frame.contentDocument;
      if (doc && doc.body && window.ResizeObserver) {
        new ResizeObserver(function () { fit(frame); }).observe(doc.body);
      }
    }
    frame.addEventListener("load", follow);
    var fold = frame.closest("details");
    if (fold) fold.addEventListener("toggle", function () { fit(frame); });
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") follow();
  });

  // Comments on passages: "Use selection" picks the passage holding the words selected in the
  // diff or the preview and quotes them. Without scripts the passage list and quote field work alone.
  function withoutLabels(text) { return text.replace(/\[(added|removed)[^:]*: |\]/g, ""); }
  function squash(text) { return withoutLabels(text).replace(/\s+/g, ""); }

  // The passage of the diff the selection starts in, if it is one (its data-passage names it).
  function selectedPassage() {
    var selection = window.getSelection();
    var node = selection && selection.rangeCount ? selection.anchorNode : null;
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var passage = element && element.closest("[data-passage]");
    return passage ? passage.getAttribute("data-passage") : null;
  }

  function selectedText() {
    var text = String(window.getSelection());
    document.querySelectorAll("iframe.preview-frame").forEach(function (frame) {
      if (text.trim()) return;
      try { text = String(frame.contentWindow.getSelection()); } catch (e) { /* another origin */ }
    });
    return text.replace(/\s+/g, " ").trim();
  }

  function bestPassage(texts, selection) {
    var wanted = squash(selection), best = null, bestScore = 0;
    var words = selection.toLowerCase().split(" ").filter(function (w) { return w.length > 2; });
    Object.keys(texts).forEach(function (key) {
      var passage = texts[key];
      if (wanted && squash(passage).indexOf(wanted) !== -1) { if (bestScore < Infinity) { best = key; bestScore = Infinity; } return; }
      var lower = passage.toLowerCase();
      var score = words.filter(function (w) { return lower.indexOf(w) !== -1; }).length;
      if (score > bestScore) { best = key; bestScore = score; }
    });
    return { key: best, exact: bestScore === Infinity };
  }

  var commentForm = document.querySelector(".passage-comment-form");
  var textsElement = document.getElementById("passage-texts");
  if (commentForm && textsElement) {
    var texts = JSON.parse(textsElement.textContent);
    var button = commentForm.querySelector("[data-use-selection]");
    var status = commentForm.querySelector("[data-selection-status]");
    var select = commentForm.querySelector("select");
    var quote = commentForm.querySelector("input[name$='quote']");
    var lastSelection = "", lastPassage = null;
    function remember() {
      var text = selectedText();
      if (text) { lastSelection = text; lastPassage = selectedPassage(); }
    }
    document.addEventListener("selectionchange", remember);
    document.querySelectorAll("iframe.preview-frame").forEach(function (frame) {
      frame.addEventListener("load", function () {
        try { frame.contentDocument.addEventListener("selectionchange", remember); } catch (e) { /* another origin */ }
      });
    });
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = selectedText() || lastSelection;
      var key = selectedText() ? selectedPassage() : lastPassage;
      var found = key && texts[key] !== undefined
        ? { key: key, exact: squash(texts[key]).indexOf(squash(text)) !== -1 }
        : text ? bestPassage(texts, text) : { key: null };
      text = withoutLabels(text).replace(/\s+/g, " ").trim();
      if (!found.key) {
        status.textContent = "Select words in one passage of the text above, then press “Use selection”.";
        return;
      }
      select.value = found.key;
      quote.value = found.exact ? text.slice(0, 500) : "";
      status.textContent = "Chosen: " + select.options[select.selectedIndex].text;
      commentForm.querySelector("textarea").focus();
    });
  }
})();
