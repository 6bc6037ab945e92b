// CAPTCHA: "New picture" fetches another challenge in place (django-simple-captcha's
// refresh view) and swaps the picture, its hidden key and the spoken version. Without
// JavaScript the button stays hidden; a wrong answer brings a new picture anyway.
(function () {
  "use strict";
  document.querySelectorAll("[data-captcha]").forEach(function (box) {
    var button = box.querySelector("[data-captcha-refresh]");
    var image = box.querySelector("[data-captcha-image]");
    var key = box.querySelector('input[type="hidden"]');
    var answer = box.querySelector('input[type="text"]');
    var audio = box.querySelector("[data-captcha-audio]");
    if (!button || !image || !key) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch(box.dataset.refreshUrl, {
        headers: { "X-Requested-With": "XMLHttpRequest" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (fresh) {
          key.value = fresh.key;
          image.src = fresh.image_url;
          if (audio && fresh.audio_url) audio.src = fresh.audio_url;
          if (answer) { answer.value = ""; answer.focus(); }
        })
        .catch(function () {
          // The text comes from the page, in the page's language.
          button.textContent = button.dataset.failedText || "Couldn't load a new picture";
        })
        .finally(function () { button.disabled = false; });
    });
  });
})();
