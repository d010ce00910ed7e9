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
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") follow();
  });
})();
