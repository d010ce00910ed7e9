/* Autosave and recovery for the article change form (see articles/admin/autosave.py).

   The form's fields are kept in this browser (localStorage, keyed by article and the version of
   the article the text was typed over) a second after typing stops and every few seconds, and on
   the server (the author's own autosave) every ten seconds, so a closed tab, a crash, an ended
   session or a refused save loses at most a few seconds of typing. On return, the newest copy
   that differs from the form is offered: "Restore unsaved changes from <time>?", with a diff
   against what is saved, to restore or discard. A successful save clears both copies. */
(function () {
  "use strict";

  var PREFIX = "editorial-autosave:";
  var LOCAL_DELAY_MS = 1000, LOCAL_EVERY_MS = 5000, SERVER_EVERY_MS = 10000;

  var config, form, status, offer, paused = false, dirty = false, serverDirty = false, lastLocal = "", lastServer = 0;

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function base() {
    var input = form.querySelector("input[name=edit_base]");
    return input ? input.value : "";
  }

  function keyPrefix(articleKey) { return PREFIX + articleKey + ":"; }

  /* The form's fields by name: what the server would receive, without the CSRF token and buttons. */
  function collect() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name.charAt(0) === "_" || typeof value !== "string") return;
      if (name.indexOf("__prefix__") !== -1) return;  /* the template row "Add another" copies */
      fields[name] = value;
    });
    return fields;
  }

  function timeOf(iso) {
    var date = new Date(iso);
    /* As the admin writes dates ("5 Dec 2026, 12:42"), with seconds: copies minutes apart differ. */
    var options = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" };
    return isNaN(date) ? iso : date.toLocaleString("en-GB", options);
  }

  function say(text) { if (status) status.textContent = text; }

  /* This article's copies in this browser: [{key, value}], newest first. */
  function localCopies(articleKey) {
    var store = storage(), found = [];
    if (!store) return found;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(keyPrefix(articleKey)) === 0) {
        try { found.push({ key: key, value: JSON.parse(store.getItem(key)) }); } catch (error) { /* unreadable: ignored */ }
      }
    }
    return found;
  }

  function forget(articleKey) {
    var store = storage();
    if (!store) return;
    localCopies(articleKey).forEach(function (copy) { store.removeItem(copy.key); });
  }

  function saveLocal() {
    var store = storage();
    if (!store || paused) return;
    var fields = collect(), text = JSON.stringify(fields);
    if (text === lastLocal) return;
    var now = new Date().toISOString();
    try {
      localCopies(config.key).forEach(function (copy) { store.removeItem(copy.key); });
      store.setItem(keyPrefix(config.key) + base(), JSON.stringify({
        fields: fields, base: base(), saved_at: now, username: config.username
      }));
      lastLocal = text;
      dirty = false;
      say("Unsaved changes kept in this browser at " + timeOf(now) + ".");
      /* The server's copy follows at most every SERVER_EVERY_MS (the first one at once). */
      if (Date.now() - lastServer >= SERVER_EVERY_MS) saveServer();
    } catch (error) {
      say("This browser could not keep a copy of your changes (" + error.name + "); save soon.");
    }
  }

  function post(url, data) {
    data.set("csrfmiddlewaretoken", (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "");
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } });
  }

  function saveServer() {
    if (!config.url || !serverDirty || paused) return;
    serverDirty = false;
    lastServer = Date.now();
    var data = new FormData(), fields = collect();
    Object.keys(fields).forEach(function (name) { data.set(name, fields[name]); });
    post(config.url, data).then(function (response) {
      if (window.EditorialSession && window.EditorialSession.isSignedOut(response)) {
        serverDirty = true;
        document.dispatchEvent(new CustomEvent("editorial:signed-out"));
        return null;
      }
      return response.json().then(function (answer) {
        if (response.ok) say("Unsaved changes kept in this browser and on the server at " + timeOf(answer.saved_at) + ".");
        else say((answer.message || "The server did not keep a copy") + " Your changes are kept in this browser.");
      });
    }).catch(function () {
      serverDirty = true;
      say("Could not reach the server; your changes are kept in this browser.");
    });
  }

  function changed() {
    dirty = true;
    serverDirty = true;
    clearTimeout(changed.timer);
    changed.timer = setTimeout(saveLocal, LOCAL_DELAY_MS);
  }

  /* --- Recovery ----------------------------------------------------------------------------- */

  function same(fields, current) {
    return Object.keys(fields).every(function (name) {
      return name === "edit_base" || !(name in current) || current[name] === fields[name];
    }) && Object.keys(current).every(function (name) { return name === "edit_base" || name in fields; });
  }

  /* The newest copy (this browser's or the server's), unless the form already shows it (a form shown
     again after an error holds the newest text: an older copy must not be offered over it). */
  function candidate() {
    var current = collect(), copies = localCopies(config.key).map(function (copy) {
      var value = copy.value;
      return { fields: value.fields, base: value.base, saved_at: value.saved_at, username: value.username, where: "browser" };
    });
    if (config.server) copies.push({ fields: config.server.fields, base: config.server.base, saved_at: config.server.saved_at, where: "server" });
    copies = copies.filter(function (copy) {
      return copy.fields && (!copy.username || copy.username === config.username);
    });
    copies.sort(function (a, b) { return (Date.parse(b.saved_at) || 0) - (Date.parse(a.saved_at) || 0); });
    return copies.length && !same(copies[0].fields, current) ? copies[0] : null;
  }

  function ensureReferenceRows(wanted) {
    var total = form.querySelector("input[name='references-TOTAL_FORMS']");
    var add = document.querySelector("#references-group .add-row a");
    var guard = 0;
    while (total && add && Number(total.value) < wanted && guard++ < 400) add.click();
  }

  function restore(copy) {
    ensureReferenceRows(Number(copy.fields["references-TOTAL_FORMS"] || 0));
    /* The version the text was typed over: if someone saved since, saving it is stopped as an
       edit conflict that shows their changes, instead of silently replacing them. */
    var editBase = form.querySelector("input[name=edit_base]");
    if (editBase && copy.base) editBase.value = copy.base;
    form.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (field) {
      var name = field.name;
      if (name === "csrfmiddlewaretoken" || name === "edit_base" || /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/.test(name)) return;
      if (field.type === "checkbox") field.checked = name in copy.fields;
      else if (field.type === "hidden" && !(name in copy.fields)) return;
      else if (name in copy.fields && field.type !== "file") field.value = copy.fields[name];
      else return;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function closeOffer(message) {
    offer.hidden = true;
    paused = false;
    say(message);
    var title = form.querySelector("#id_title");
    if (title) title.focus();
  }

  function discardServer() {
    if (!config.url) return;
    var data = new FormData();
    data.set("_autosave_action", "discard");
    post(config.url, data).catch(function () { /* the next save clears it anyway */ });
  }

  function showDiff(copy) {
    var data = new FormData(), target = offer.querySelector("[data-autosave-diff]");
    Object.keys(copy.fields).forEach(function (name) { data.set(name, copy.fields[name]); });
    data.set("_autosave_article", config.key === "new" ? "" : config.key);
    post(config.diff_url, data).then(function (response) {
      if (window.EditorialSession && window.EditorialSession.isSignedOut(response)) {
        target.textContent = "Sign in again to see the differences.";
        document.dispatchEvent(new CustomEvent("editorial:signed-out"));
        return;
      }
      return response.json().then(function (answer) {
        target.innerHTML = answer.html;  /* built by the server's diff engine from escaped text */
      });
    }).catch(function () { target.textContent = "Could not load the differences; you can still restore or discard."; });
  }

  function offerRecovery() {
    var copy = candidate();
    if (!copy) return;
    paused = true;
    offer.querySelector("[data-autosave-time]").textContent = timeOf(copy.saved_at);
    offer.querySelector("[data-autosave-time]").setAttribute("datetime", copy.saved_at);
    var where = copy.where === "server" ? "Kept on the server while you were editing" : "Kept in this browser while you were editing";
    if (config.key !== "new" && copy.base && copy.base !== base()) {
      where += ". The article has been saved since then: restoring puts this text in place of what is saved now, so check the differences below";
    }
    offer.querySelector("[data-autosave-source]").textContent = where + ". Restore it to go on where you left off, or discard it.";
    offer.hidden = false;
    say("Autosave is paused until you restore or discard the unsaved changes at the top of the page.");
    offer.querySelector("[data-autosave-restore]").addEventListener("click", function () {
      restore(copy);
      lastLocal = "";
      closeOffer("Unsaved changes from " + timeOf(copy.saved_at) + " restored: save to keep them.");
      changed();
    }, { once: true });
    offer.querySelector("[data-autosave-discard]").addEventListener("click", function () {
      forget(config.key);
      if (config.server || copy.where === "server") discardServer();  /* both copies, or the other comes back */
      config.server = null;
      closeOffer("Unsaved changes discarded.");
    }, { once: true });
    showDiff(copy);
    offer.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("autosave-config");
    form = document.getElementById("article_form");
    offer = document.getElementById("autosave-offer");
    status = document.querySelector("[data-autosave-status]");
    if (!data || !form || !offer) return;
    config = JSON.parse(data.textContent);
    (config.cleared || []).forEach(forget);  /* just saved: those copies are done */
    lastLocal = JSON.stringify(collect());
    offerRecovery();
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    /* Keep the text as it is sent (if the save goes wrong, it is still here), then stop: an
       autosave arriving after the save would keep a copy of text that is saved. */
    form.addEventListener("submit", function () {
      if (dirty) saveLocal();
      clearTimeout(changed.timer);
      paused = true;
    });
    window.addEventListener("pageshow", function (event) { if (event.persisted) paused = false; });
    setInterval(function () { if (dirty) saveLocal(); }, LOCAL_EVERY_MS);
    setInterval(saveServer, SERVER_EVERY_MS);
    document.addEventListener("editorial:signed-in", function () { serverDirty = true; saveServer(); });
    window.addEventListener("pagehide", function () { if (dirty) saveLocal(); });
  });
})();
