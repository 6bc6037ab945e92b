// Order page: the new-address fields show only while "Ship to a new address" is chosen.
// When the page came without them (a saved address was preselected), choosing it asks
// for the page again with the form (?address=new), keeping the chosen way of payment.
(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="address"]');
  var panel = document.getElementById("new-address");
  radios.forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (panel) {
        panel.hidden = radio.value !== "new" || !radio.checked;
        return;
      }
      if (radio.value !== "new" || !radio.checked) return;
      var url = new URL(window.location.href);
      url.searchParams.set("address", "new");
      var payment = document.querySelector('input[name="payment"]:checked');
      if (payment) url.searchParams.set("payment", payment.value);
      window.location.assign(url.toString());
    });
  });
  // Arrived by choosing it: the form is what the shopper came for.
  if (panel && !panel.hidden && new URLSearchParams(window.location.search).get("address") === "new") {
    var first = panel.querySelector("input, select");
    if (first) first.focus();
  }
})();
