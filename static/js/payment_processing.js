// "Your payment is being processed": asks the server every few seconds whether the bank has
// answered, and only then moves on to the result (the order page, or the payment page with
// the reason). It used to be a <meta http-equiv="refresh">, which reloaded the whole page
// every 5 seconds: a screen reader started reading from the top again each time and keyboard
// focus was lost (WCAG 2.2.1). Without JavaScript the Check now button does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-poll-url");
  var delay = 1000 * (parseInt(box.getAttribute("data-poll-seconds"), 10) || 5);

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected) {
          window.location.assign(response.url);
          return null;
        }
        return response.text().then(function (html) {
          if (html.indexOf('data-testid="payment-processing"') === -1) {
            window.location.assign(url);
          } else {
            window.setTimeout(poll, delay);
          }
        });
      })
      .catch(function () {
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
