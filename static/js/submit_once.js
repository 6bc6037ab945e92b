// Buttons marked data-submit-once disable themselves once their form is sent, so a second
// click doesn't send it again. Pay, Accept and pay and Save the card: the server refuses a
// double submit anyway (one-time page tokens, idempotency keys), and this spares the shopper
// the second request. Add to cart and Buy now: a double click added the units twice, and a
// visitor's first one started two carts, one of them lost with what it held. Coming back
// to the page (back button) enables them again.
(function () {
  "use strict";
  var sent = false;
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    sent = true;
    // Disabled at once: the form is already being sent, and these buttons carry no value.
    event.target.querySelectorAll("[data-submit-once]").forEach(function (button) {
      button.disabled = true;
    });
  });
  // pageshow also ends the page's own first load (after its images): a form sent before
  // that is still being sent, so its buttons stay disabled unless the page was come back to.
  window.addEventListener("pageshow", function (event) {
    if (sent && !event.persisted) return;
    sent = false;
    document.querySelectorAll("[data-submit-once]").forEach(function (button) {
      button.disabled = false;
    });
  });
})();
