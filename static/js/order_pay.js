// Payment page: typing card details means paying with that card, so "A new card" is picked
// for the shopper; the note next to Pay follows the chosen way of paying, from the start.
(function () {
  "use strict";
  var radio = document.querySelector('input[name="method"][value="new"]');
  if (radio) {
    document.querySelectorAll("#new-card input").forEach(function (input) {
      input.addEventListener("input", function () { radio.checked = true; showNote(); });
    });
  }
  var notes = document.querySelectorAll("[data-way-note]");
  function showNote() {
    var chosen = document.querySelector('input[name="method"]:checked');
    var way = chosen && chosen.value === "bank_transfer" ? "bank_transfer" : "card";
    notes.forEach(function (note) { note.hidden = note.dataset.wayNote !== way; });
  }
  document.querySelectorAll('input[name="method"]').forEach(function (input) {
    input.addEventListener("change", showNote);
  });
  // A way picked before this script ran (a slow page) or restored by the browser (Back)
  // fired no change event here: the note follows what is checked now.
  showNote();
})();
