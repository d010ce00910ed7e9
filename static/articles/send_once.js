// Forms marked data-send-once disable their submit button while sending, so a double click
// posts once (the server also refuses a second post of the same form's one-time token).
(function () {
  "use strict";
  function reset(form) {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
      if (button.dataset.idleLabel) { button.textContent = button.dataset.idleLabel; }
    });
    delete form.dataset.sending;
  }
  document.querySelectorAll("form[data-send-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.dataset.idleLabel = button.textContent;
        // Disabled after this tick: disabling it now would drop the button from the submission.
        window.setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-disabled", "true");
          if (button.dataset.sendingLabel) { button.textContent = button.dataset.sendingLabel; }
        }, 0);
      });
    });
  });
  // Coming back to the page from the history: the button works again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-send-once]").forEach(reset);
  });
})();
