// After a form comes back with errors, the keyboard and screen-reader user starts where the
// problem is: the first field marked invalid (its message is read with it through
// aria-describedby), or else the page's error alert (a declined card, a wrong password).
// Nothing happens on pages without errors.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector(
      "main .is-invalid:not([type=hidden]), main [aria-invalid=true]"
    );
    if (!target) {
      target = document.querySelector("main .alert-danger[role=alert]");
      if (target) target.setAttribute("tabindex", "-1");
    }
    if (target) target.focus();
  });
})();
