/* Signing in again without leaving the change form (see articles/admin/autosave.py).

   A session can end while an editor types (timeout, signed out in another tab). Before this,
   the live preview showed the login page and Save went to it, losing the text. Now: any script
   that meets a signed-out answer (JSON 401) dispatches "editorial:signed-out"; Save first asks
   whether the session is still alive; either way this dialog asks to sign in again in place,
   then the save goes ahead with the fresh CSRF token. window.EditorialSession is the hook the
   other scripts use. */
(function () {
  "use strict";

  var config = null, dialog = null, pendingSubmit = null, passing = false, dismissed = false;

  function csrfToken() {
    var input = document.querySelector("#article_form input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Signing in rotates the CSRF token: every form on the page must carry the new one. */
  function useToken(token) {
    if (!token) return;
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) { input.value = token; });
  }

  /* Whether a fetch answer means "not signed in": our JSON 401, or (from views that redirect
     like the rest of the admin) a page that turned out to be the login page. */
  function isSignedOut(response) {
    if (response.status === 401) return true;
    return response.redirected && /\/admin\/login\//.test(response.url || "");
  }

  /* ``force``: Save was pressed. Background requests (preview, autosave) open the dialog only
     until the editor answers "Not now": it would otherwise come back at every pause in typing. */
  function signedOut(force) {
    if (!dialog) return;
    var status = document.querySelector("[data-autosave-status]");
    if (status) status.textContent = "Your session has ended: sign in again to save. Your text is kept in this browser.";
    if (dismissed && force !== true) return;
    if (!dialog.open) {
      dialog.querySelector("[data-session-error]").hidden = true;
      dialog.showModal();
      var password = dialog.querySelector("#session-password");
      password.value = "";
      (dialog.querySelector("#session-username").value ? password : dialog.querySelector("#session-username")).focus();
    }
  }

  function signedIn(answer) {
    useToken(answer.csrf_token);
    dismissed = false;
    if (dialog.open) dialog.close("signed-in");
    var status = document.querySelector("[data-autosave-status]");
    if (status) status.textContent = "Signed in again as " + answer.username + ".";
    if (pendingSubmit) {  /* Save was waiting: save now (the page is leaving; nothing else to refresh) */
      var submit = pendingSubmit;
      pendingSubmit = null;
      submitNow(submit.form, submit.submitter);
      return;
    }
    document.dispatchEvent(new CustomEvent("editorial:signed-in", { detail: answer }));
  }

  function check() {
    return fetch(config.session_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (isSignedOut(response)) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function submitNow(form, submitter) {
    passing = true;
    try {
      if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      else form.submit();
    } finally { passing = false; }
  }

  /* Save: make sure the session is alive first, so the text never goes to the login page. */
  function guardSubmit(event) {
    var form = event.target;
    if (passing || !form || form.id !== "article_form") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter || null;
    check().then(function (answer) {
      if (answer) { useToken(answer.csrf_token); submitNow(form, submitter); return; }
      pendingSubmit = { form: form, submitter: submitter };
      signedOut(true);
    }).catch(function () {
      /* The server cannot be asked (offline, overloaded): post as usual; the autosave keeps the text. */
      submitNow(form, submitter);
    });
  }

  function showError(message) {
    var error = dialog.querySelector("[data-session-error]");
    error.textContent = message;
    error.hidden = false;
  }

  function signIn(event) {
    event.preventDefault();
    var form = event.target;
    var data = new FormData(form);
    data.set("expected", config.username);
    var button = form.querySelector("[data-session-submit]");
    button.disabled = true;
    fetch(config.sign_in_url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () {
        return { message: response.status === 429 || response.status === 403
          ? "Too many failed sign-ins: wait a few minutes, or sign in in a new tab."
          : "Could not sign in (HTTP " + response.status + ")." };
      });
    }).then(function (answer) {
      if (answer.signed_in) signedIn(answer);
      else showError(answer.message || "Could not sign in.");
    }).catch(function () {
      showError("Could not reach the server. Your text is kept in this browser; try again in a moment.");
    }).finally(function () { button.disabled = false; });
  }

  function recheck() {
    check().then(function (answer) {
      if (answer) signedIn(answer);
      else showError("Still signed out: sign in above, or in the other tab first.");
    }).catch(function () { showError("Could not reach the server; try again in a moment."); });
  }

  window.EditorialSession = { isSignedOut: isSignedOut };

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("autosave-config");
    dialog = document.getElementById("session-dialog");
    if (!data || !dialog || !document.getElementById("article_form")) return;
    config = JSON.parse(data.textContent);
    document.addEventListener("submit", guardSubmit, true);
    document.addEventListener("editorial:signed-out", function () { signedOut(false); });
    dialog.querySelector("[data-session-form]").addEventListener("submit", signIn);
    dialog.querySelector("[data-session-recheck]").addEventListener("click", recheck);
    dialog.querySelector("[data-session-cancel]").addEventListener("click", function () { dialog.close(); });
    /* Closed without signing in ("Not now", Escape): Save asks again; typing does not. */
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "signed-in") { dismissed = true; pendingSubmit = null; }
      dialog.returnValue = "";
    });
  });
})();
