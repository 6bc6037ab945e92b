// Buttons marked data-submit-once (Pay, Accept and pay, Save the card) disable themselves
// once their form is sent, so a second click doesn't send it again. The server refuses a
// double submit anyway (one-time page tokens, idempotency keys); this spares the shopper
// the second request. Coming back to the page (back button) enables them again.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    // Disabled at once: the form is already being sent, and these buttons carry no value.
    event.target.querySelectorAll("[data-submit-once]").forEach(function (button) {
      button.disabled = true;
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-submit-once]").forEach(function (button) {
      button.disabled = false;
    });
  });
})();
