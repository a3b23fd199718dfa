// While an attempt's code is being checked, asks whether the result is in and
// reloads the page when it is. Without it, the page's "Check again" link does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-attempt-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-attempt-status-url");
  var delay = 1000;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (state) {
        if (!state.checking) { window.location.reload(); return; }
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
