// Every admin page at 1024 px and below (a laptop split screen, a tablet): the navigation
// sidebar starts collapsed (Django's preference is left alone), and a list's filters fold
// into a "Filters" button above the list. Without JavaScript the filters stay open.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 1024px)");
  function init() {
    var main = document.getElementById("main");
    var toggle = document.getElementById("toggle-nav-sidebar");
    var sidebar = document.getElementById("nav-sidebar");
    if (narrow.matches && main && main.classList.contains("shifted")) {
      main.classList.remove("shifted");
      if (toggle) toggle.setAttribute("aria-expanded", "false");
      if (sidebar) sidebar.setAttribute("aria-expanded", "false");
    }
    var wrap = document.getElementById("bz-filter-wrap");
    var button = document.getElementById("bz-filter-toggle");
    if (!wrap || !button) return;
    document.documentElement.classList.add("bz-js");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = wrap.classList.toggle("bz-open");
      button.setAttribute("aria-expanded", String(open));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
