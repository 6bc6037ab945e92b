// Admin list pages: the navigation sidebar starts collapsed (lists need the width); the
// toggle opens it for this page only and leaves the preference other admin pages use alone.
(function () {
  "use strict";
  function init() {
    var main = document.getElementById("main");
    var toggle = document.getElementById("bz-toggle-nav-sidebar");
    var sidebar = document.getElementById("nav-sidebar");
    if (!main || !toggle || !sidebar) return;
    toggle.addEventListener("click", function () {
      var open = main.classList.toggle("shifted");
      toggle.setAttribute("aria-expanded", String(open));
      sidebar.setAttribute("aria-expanded", String(open));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
