// The menu button of narrow screens: opens and closes the navigation (no inline handlers: CSP).
(function () {
  "use strict";
  var button = document.querySelector(".nav-toggle");
  var scrim = document.querySelector(".nav-scrim");
  if (!button) {
    return;
  }
  function setOpen(open) {
    document.body.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (scrim) {
      scrim.hidden = !open;
    }
  }
  button.addEventListener("click", function () {
    setOpen(!document.body.classList.contains("nav-open"));
  });
  if (scrim) {
    scrim.addEventListener("click", function () { setOpen(false); });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      setOpen(false);
    }
  });
})();

// Filter forms send only the filters that are set, so the address bar stays short and shareable.
document.addEventListener("htmx:configRequest", function (event) {
  "use strict";
  var data = event.detail.formData;
  if (event.detail.verb !== "get" || !data) {
    return;
  }
  Array.from(new Set(data.keys())).forEach(function (key) {
    if (data.getAll(key).every(function (value) { return value === ""; })) {
      data.delete(key);
    }
  });
});
