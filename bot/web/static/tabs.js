// Tabs switch with CSS alone (radio inputs); this keeps the address's #fragment in step with the
// chosen tab, so reloading, going back or sharing the address keeps the tab. An address that points
// inside a tab (a heading from the contents, #translation-3) opens that tab. On wide screens the
// contents of long tabs stand open beside the text.
(function () {
  "use strict";
  var PREFIX = "tab-";

  function showFromHash() {
    var name = decodeURIComponent(location.hash.slice(1));
    if (!name) {
      return;
    }
    var input = document.getElementById(PREFIX + name);
    if (!input || !input.classList.contains("tab-radio")) {
      var target = document.getElementById(name);
      var panel = target && target.closest(".panel");
      input = panel && document.getElementById(PREFIX + panel.id.slice("panel-".length));
      if (input && !input.checked) {
        input.checked = true;
        target.scrollIntoView();
      }
      return;
    }
    input.checked = true;
  }

  var wide = window.matchMedia("(min-width: 75rem)");
  function openContents() {
    document.querySelectorAll(".with-toc > details.toc").forEach(function (toc) {
      toc.open = wide.matches;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.classList.contains("tab-radio")) {
      history.replaceState(null, "", "#" + target.id.slice(PREFIX.length));
    }
  });
  window.addEventListener("hashchange", showFromHash);
  wide.addEventListener("change", openContents);
  showFromHash();
  openContents();
})();
