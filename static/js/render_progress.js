// Polls the status of background work (reports being rendered, audit checks running) named by each
// [data-status-url] element and updates its progress bar; reloads the page when one is done.
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
          text.textContent = status.status_label + " " + status.progress + "%";
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
