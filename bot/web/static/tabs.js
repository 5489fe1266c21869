// Tabs switch with CSS alone (radio inputs); this only keeps the address's #fragment in step with
// the chosen tab, so reloading, going back or sharing the address keeps the tab.
(function () {
  "use strict";
  var PREFIX = "tab-";

  function showFromHash() {
    var input = document.getElementById(PREFIX + location.hash.slice(1));
    if (input && input.classList.contains("tab-radio")) {
      input.checked = true;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.classList.contains("tab-radio")) {
      history.replaceState(null, "", "#" + target.id.slice(PREFIX.length));
    }
  });
  window.addEventListener("hashchange", showFromHash);
  showFromHash();
})();
