// Order page: the new-address fields show only while "A new address" is chosen.
(function () {
  "use strict";
  var panel = document.getElementById("new-address");
  if (!panel) return;
  document.querySelectorAll('input[name="address"]').forEach(function (radio) {
    radio.addEventListener("change", function () { panel.hidden = radio.value !== "new" || !radio.checked; });
  });
})();
