// Payment page: typing card details means paying with that card, so "A new card" is picked
// for the shopper.
(function () {
  "use strict";
  var radio = document.querySelector('input[name="method"][value="new"]');
  if (!radio) return;
  document.querySelectorAll("#new-card input").forEach(function (input) {
    input.addEventListener("input", function () { radio.checked = true; });
  });
})();
