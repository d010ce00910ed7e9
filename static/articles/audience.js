// Remember the reader's audience choice (patient or professional) in this browser.
// The version is in the URL, so pages stay cacheable; this only picks the URL.
(function () {
  "use strict";
  var KEY = "editorial.audience";
  var article = document.querySelector("article[data-audience]");
  if (!article) return;
  var store;
  try { store = window.localStorage; } catch (e) { return; }

  document.querySelectorAll("[data-audience-choice]").forEach(function (link) {
    link.addEventListener("click", function () {
      try { store.setItem(KEY, link.getAttribute("data-audience-choice")); } catch (e) { /* private mode */ }
    });
  });

  var saved = null;
  try { saved = store.getItem(KEY); } catch (e) { return; }
  var current = article.getAttribute("data-audience");
  var professionalUrl = article.getAttribute("data-professional-url");
  if (saved === "professional" && current === "patient" && professionalUrl) {
    window.location.replace(professionalUrl + window.location.hash);
  }
})();
