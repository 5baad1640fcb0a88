// The alert list: "select all on this page" for the bulk form, and how many are ticked. The
// results are swapped in by htmx, so the listeners sit on the document (no inline handlers: CSP).
(function () {
  "use strict";
  function boxes() {
    return Array.from(document.querySelectorAll('#alerts-table input[name="ids"]'));
  }
  function update() {
    var all = document.getElementById("select-all");
    var count = document.getElementById("bulk-count");
    var ticked = boxes().filter(function (b) { return b.checked; }).length;
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
    if (count) {
      count.textContent = ticked ? count.getAttribute("data-template").replace("{n}", ticked) : "";
    }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-all") {
      boxes().forEach(function (b) { b.checked = target.checked; });
      update();
    } else if (target.name === "ids") {
      update();
    }
  });
  document.addEventListener("htmx:afterSwap", update);
})();
