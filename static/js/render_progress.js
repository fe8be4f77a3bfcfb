// Polls the status of background work (reports being rendered, audit checks running) named by each
// [data-status-url] element: shows the step the task reports and its progress, and reloads the page once it
// is done, so that the page's states then all come from the server, never from a stale message.
(function () {
  "use strict";
  var pending = document.querySelectorAll("[data-status-url]");
  pending.forEach(function (box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".status-text");
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          bar.value = status.progress;
          text.textContent = status.step + " (" + status.progress + "%)";
          if (status.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
  });
})();
