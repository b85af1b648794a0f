// "Hồ sơ công nhận": on the build button the whole .zip is fetched while the server's build progress is polled and
// shown in the shared progress bar (base.html #progress); without fetch the form just downloads it.
(function () {
  "use strict";
  var form = document.getElementById("dossier-build");
  var button = document.getElementById("dossier-zip");
  var status = document.getElementById("dossier-status");
  if (!form || !window.fetch) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    button.disabled = true;
    var href = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    pcgd.progress(0.02, "Đang lập hồ sơ…");
    var timer = setInterval(function () {
      fetch(form.getAttribute("data-progress"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (p) {
          if (p && p.total) {
            var text = "Đang lập hồ sơ: " + p.label + " (" + p.done + "/" + p.total + ")";
            pcgd.progress(Math.max(0.02, p.done / p.total), text);
            status.textContent = text;
          }
        }).catch(function () {});
    }, 700);
    fetch(href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("Lỗi " + response.status); }
      return response.blob();
    }).then(function (blob) {
      pcgd.saveBlob(blob, form.getAttribute("data-file"));
      status.textContent = "Đã lập xong hồ sơ.";
    }).catch(function (err) {
      status.textContent = "Không lập được hồ sơ: " + err.message;
    }).then(function () {
      clearInterval(timer);
      pcgd.progress(null);
      button.disabled = false;
    });
  });
})();
