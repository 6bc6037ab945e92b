// Add a card: "Use another address" swaps the read-only saved address for address fields
// in place. Without JavaScript the same links reload the page with ?address=new|saved;
// either way the hidden address_mode field tells the server which address to use.
(function () {
  "use strict";
  var block = document.querySelector(".bz-payment-address");
  if (!block) return;
  var mode = block.querySelector("input[name=address_mode]");
  var saved = block.querySelector("[data-address-saved]");
  var fresh = block.querySelector("[data-address-new]");
  if (!mode || !saved || !fresh) return;

  function show(which) {
    mode.value = which;
    block.setAttribute("data-address-mode", which);
    saved.classList.toggle("d-none", which === "new");
    fresh.classList.toggle("d-none", which !== "new");
    var focusTarget = which === "new" ? fresh.querySelector("input, select") : saved.querySelector("a");
    if (focusTarget) focusTarget.focus();
  }

  block.addEventListener("click", function (event) {
    var link = event.target.closest("[data-address-toggle]");
    if (!link) return;
    event.preventDefault();
    show(link.getAttribute("data-address-toggle"));
  });
})();
