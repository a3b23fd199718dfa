// Polls a background task's progress record and updates the bar; the page
// works without it (a reload shows the latest state).
(function () {
  "use strict";
  var box = document.querySelector("[data-task-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-task-status-url");
  var bar = box.querySelector("progress");
  var delay = 1000;

  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
  function setText(name, value) { var el = field(name); if (el) { el.textContent = value; } }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (task) {
        if (task.total) { bar.max = task.total; bar.value = task.done; }
        setText("done", task.done);
        if (task.total !== null) { setText("total", task.total); }
        setText("message", task.message || "");
        setText("status", box.getAttribute("data-label-" + task.status) || task.status);
        if (task.status === "done") {
          document.querySelectorAll("[data-when-done]").forEach(function (el) { el.hidden = false; });
        }
        if (task.status === "done" || task.status === "failed") { return; }
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
