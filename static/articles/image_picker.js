/* "Insert image…" in the article editor's toolbar: a modal dialog (native <dialog>: focus stays
   inside while it is open, Escape closes it, focus returns to the button) that searches the image
   library page by page, lets the editor adjust the alt text and caption for this article, and
   inserts the figure Markdown the server writes (articles/admin/image_picker.py) at the cursor, as
   a paragraph of its own. Without JavaScript the button stays hidden. */
(function () {
  "use strict";

  var dialog, list, statusLine, errorLine, altField, captionField, insertButton, chosenLine;
  var target = null, opener = null, chosen = null, page = 1, query = "", inFlight = null;

  function part(selector) { return dialog.querySelector(selector); }

  function say(text) { statusLine.textContent = text; }

  function fail(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  function signedOut(response) {
    if (response.status === 401) {
      document.dispatchEvent(new CustomEvent("editorial:signed-out"));  /* session.js asks to sign in */
      throw new Error("your session has ended; sign in again");
    }
    return response;
  }

  function getJson(url, params) {
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    return fetch(url + "?" + new URLSearchParams(params), {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      signal: inFlight.signal
    }).then(signedOut).then(function (response) {
      return response.json().catch(function () { throw new Error("HTTP " + response.status); }).then(function (data) {
        if (!response.ok) throw new Error(data.error || data.message || "HTTP " + response.status);
        return data;
      });
    });
  }

  function resetDetails() {
    chosen = null;
    altField.value = "";
    captionField.value = "";
    altField.disabled = captionField.disabled = insertButton.disabled = true;
    chosenLine.textContent = "Choose an image above.";
    fail("");
  }

  function text(tag, className, content) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = content;
    return element;
  }

  function choose(image) {
    chosen = image;
    chosenLine.textContent = "Chosen: " + image.title + ".";
    altField.disabled = image.decorative;
    altField.value = image.decorative ? "" : image.alt_text;
    part("[data-picker-alt-note]").textContent = image.decorative
      ? "A decorative image has no alt text: screen readers skip it."
      : "Filled in from the library; adjust it to this article if needed (the library keeps its own).";
    captionField.disabled = false;
    captionField.value = image.caption;
    insertButton.disabled = false;
    fail("");
  }

  function show(data) {
    page = data.page;
    list.textContent = "";
    data.results.forEach(function (image) {
      var item = document.createElement("li");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "image-picker-choice";
      radio.id = "image-picker-choice-" + image.id;
      radio.value = image.id;
      radio.checked = chosen !== null && chosen.id === image.id;
      radio.addEventListener("change", function () { if (radio.checked) choose(image); });
      var label = document.createElement("label");
      label.htmlFor = radio.id;
      var thumb = document.createElement("img");
      thumb.src = image.thumbnail;
      thumb.alt = "";  /* the title and alt text beside it say what it is */
      thumb.width = 160;
      thumb.height = Math.max(1, Math.round(160 * image.height / image.width));
      thumb.loading = "lazy";
      label.append(
        thumb,
        text("strong", "image-picker-title", image.title),
        text("span", "image-picker-alt", image.decorative ? "Decorative (no alt text)" : "Alt: " + image.alt_text),
        text("span", "image-picker-licence", image.licence + (image.credit ? " · " + image.credit : ""))
      );
      item.append(radio, label);
      list.append(item);
    });
    var where = query ? " matching “" + query + "”" : " in the library";
    say(data.count
      ? data.count + (data.count === 1 ? " image" : " images") + where + (data.pages > 1 ? ", page " + data.page + " of " + data.pages : "") + "."
      : "No image" + where + ". Try other words, or upload a new image.");
    part("[data-picker-page]").textContent = data.pages > 1 ? "Page " + data.page + " of " + data.pages : "";
    part("[data-picker-previous]").disabled = data.page <= 1;
    part("[data-picker-next]").disabled = data.page >= data.pages;
    part(".image-picker-pages").hidden = data.pages <= 1;
    part("[data-picker-upload]").hidden = !data.upload_url;
  }

  function load(number) {
    say("Searching the library…");
    getJson(dialog.dataset.libraryUrl, { q: query, page: number }).then(show).catch(function (error) {
      if (error.name !== "AbortError") say("Could not search the library: " + error.message + ".");
    });
  }

  /* The figure as a paragraph of its own: blank lines around it unless the text already has them. */
  function insertFigure(textarea, markdown) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    var before = value.slice(0, start), after = value.slice(end);
    var lead = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var trail = after === "" || /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    textarea.setRangeText(lead + markdown + trail, start, end, "end");
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));  /* the preview and autosave follow */
  }

  function insert(event) {
    event.preventDefault();
    if (!chosen) return;
    var params = { id: chosen.id, alt: altField.value, caption: captionField.value };
    getJson(dialog.dataset.figureUrl, params).then(function (data) {
      dialog.close("inserted");
      insertFigure(target, data.markdown);
    }).catch(function (error) {
      if (error.name === "AbortError") return;
      fail(error.message);
      if (!altField.disabled && !altField.value.trim()) altField.focus();
    });
  }

  function open(textarea, button) {
    target = textarea;
    opener = button;
    resetDetails();
    dialog.showModal();
    part("#image-picker-q").focus();
    load(1);
  }

  document.addEventListener("DOMContentLoaded", function () {
    dialog = document.getElementById("image-picker");
    if (!dialog || typeof dialog.showModal !== "function") return;
    list = part("[data-picker-results]");
    statusLine = part("[data-picker-status]");
    errorLine = part("[data-picker-error]");
    altField = part("#image-picker-alt");
    captionField = part("#image-picker-caption");
    insertButton = part("[data-picker-insert]");
    chosenLine = part("[data-picker-chosen]");
    part("[data-picker-search]").addEventListener("submit", function (event) {
      event.preventDefault();
      query = part("#image-picker-q").value.trim();
      load(1);
    });
    part("[data-picker-previous]").addEventListener("click", function () { load(page - 1); });
    part("[data-picker-next]").addEventListener("click", function () { load(page + 1); });
    part("[data-picker-details]").addEventListener("submit", insert);
    dialog.querySelectorAll("[data-picker-cancel]").forEach(function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });
    dialog.addEventListener("close", function () {
      if (inFlight) inFlight.abort();
      if (dialog.returnValue !== "inserted" && opener) opener.focus();
      dialog.returnValue = "";
    });
    document.querySelectorAll("#article_form [data-markdown-editor]").forEach(function (editor) {
      var button = editor.querySelector(".md-toolbar button[data-md='image']");
      var textarea = editor.querySelector("textarea");
      if (!button || !textarea || textarea.readOnly || textarea.disabled) return;
      button.hidden = false;
      button.addEventListener("click", function () { open(textarea, button); });
    });
  });
})();
