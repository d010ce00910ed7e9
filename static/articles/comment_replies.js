/* Replying to reviewers' comments on the change form without leaving it (articles/admin/articles.py,
   passage_comment_view). Posting the reply form used to load a new page: with unsaved edits the
   browser asked "Leave site?", and leaving lost them. Here the reply, "Mark resolved" and "Reopen"
   are sent in the background and the thread is redrawn in place; the article form is untouched. */
(function () {
  "use strict";

  function announce(section, text) {
    var region = section.querySelector("[data-comment-status]");
    if (!region) {
      region = document.createElement("p");
      region.className = "wf-note comment-status";
      region.setAttribute("role", "status");
      region.dataset.commentStatus = "";
      section.insertBefore(region, section.querySelector(".passage-comment"));
    }
    region.textContent = text;
  }

  function send(event) {
    var form = event.target, section = form.closest && form.closest(".change-form-comments");
    if (!section || !form.closest(".passage-comment")) return;
    event.preventDefault();
    var thread = form.closest(".passage-comment"), data = new FormData(form);
    if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    // getAttribute: the form has a field named "action", which hides the form's own action property.
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (window.EditorialSession && window.EditorialSession.isSignedOut(response)) {
          document.dispatchEvent(new CustomEvent("editorial:signed-out"));
          throw new Error("Your session has ended: sign in again, then send the reply (it is still in the box).");
        }
        return response.json().catch(function () { throw new Error("The reply was not sent (HTTP " + response.status + ")."); });
      })
      .then(function (answer) {
        if (!answer.ok || !answer.html) throw new Error(answer.message || "The reply was not sent.");
        var holder = document.createElement("div");
        holder.innerHTML = answer.html;  /* the server's own template, escaped there */
        var fresh = holder.querySelector(".passage-comment");
        thread.replaceWith(fresh);
        announce(section, answer.message);
        var heading = fresh.querySelector(".passage-comment-head");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      })
      .catch(function (error) {
        buttons.forEach(function (button) { button.disabled = false; });
        announce(section, error.message);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("article_form")) return;
    document.addEventListener("submit", send);
  });
})();
