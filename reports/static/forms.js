// "Biểu mẫu" page: quick previews fetched into a panel and downloads fetched with the progress
// indicator of base.html (#progress), so people see that a long form set is being prepared.
(function () {
  "use strict";
  var select = document.getElementById("year-select");
  if (select && select.form) {
    select.addEventListener("change", function () { select.form.submit(); });
  }

  // Reads a response body, moving the progress bar as bytes arrive (the length is unknown
  // while the server builds the files, so the bar creeps towards the end).
  function readWithProgress(response, label) {
    var reader = response.body.getReader();
    var chunks = [];
    var received = 0;
    function step() {
      return reader.read().then(function (part) {
        if (part.done) { return new Blob(chunks); }
        chunks.push(part.value);
        received += part.value.length;
        pcgd.progress(Math.min(0.95, 0.3 + received / 4e6), label + " (" + Math.round(received / 1024) + " KB)");
        return step();
      });
    }
    return step();
  }

  function creep(label) {
    var fraction = 0.05;
    pcgd.progress(fraction, label);
    return setInterval(function () {
      fraction = Math.min(0.3, fraction + 0.02);
      pcgd.progress(fraction, label);
    }, 300);
  }

  document.querySelectorAll("a[data-download]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!window.fetch || !window.ReadableStream) { return; }
      event.preventDefault();
      var label = "Đang lập " + link.getAttribute("data-download");
      var timer = creep(label);
      fetch(link.href, { credentials: "same-origin" }).then(function (response) {
        clearInterval(timer);
        if (!response.ok) { throw new Error("Lỗi " + response.status); }
        return readWithProgress(response, label);
      }).then(function (blob) {
        pcgd.saveBlob(blob, link.getAttribute("data-download"));
        pcgd.progress(1, "Đã tải xong");
        setTimeout(function () { pcgd.progress(null); }, 800);
      }).catch(function (error) {
        clearInterval(timer);
        pcgd.progress(null);
        alert("Không tải được tệp: " + error.message);
      });
    });
  });

  // The cross-form checks: the API builds the whole set, which takes a few seconds.
  var summary = document.getElementById("checks-summary");
  if (summary && window.fetch) {
    var timer = creep("Đang lập biểu và kiểm tra số liệu");
    fetch(summary.getAttribute("data-src"), { credentials: "same-origin",
      headers: { "Accept": "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error("Lỗi " + response.status); }
      return response.json();
    }).then(function (data) {
      clearInterval(timer);
      var text = document.getElementById("checks-text");
      var list = document.getElementById("checks-list");
      var total = data.checks.length;
      if (data.disagreements === 0) {
        text.className = "pass";
        text.textContent = "Cả " + total + " phép so sánh đều khớp (MN-01-TE ↔ TH-M1 trẻ 6 tuổi, " +
          "TH-M1 ↔ THCS-M1 trẻ 11–14 tuổi, THCS-M1 ↔ XMC-3 người 15–18 tuổi…).";
      } else {
        text.className = "fail";
        text.textContent = "Có " + data.disagreements + " chỗ lệch trên " + total + " phép so sánh.";
        data.checks.filter(function (c) { return !c.agrees; }).slice(0, 10).forEach(function (c) {
          var li = document.createElement("li");
          li.textContent = c.check + " — " + c.area + ": " + c.left + " = " + c.left_value +
            ", " + c.right + " = " + c.right_value;
          list.appendChild(li);
        });
      }
      summary.setAttribute("data-disagreements", String(data.disagreements));
      pcgd.progress(1, "Xong");
      setTimeout(function () { pcgd.progress(null); }, 500);
    }).catch(function (error) {
      clearInterval(timer);
      pcgd.progress(null);
      document.getElementById("checks-text").textContent = "Không kiểm tra được: " + error.message;
    });
  }

  var panel = document.getElementById("preview-panel");
  var body = document.getElementById("preview-body");
  var title = document.getElementById("preview-title");
  var close = document.getElementById("preview-close");
  if (close) { close.addEventListener("click", function () { panel.hidden = true; }); }
  document.querySelectorAll("a[data-preview]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!panel || !window.fetch) { return; }
      event.preventDefault();
      var timer = creep("Đang lập " + link.getAttribute("data-title"));
      fetch(link.getAttribute("data-preview"), { credentials: "same-origin" }).then(function (response) {
        clearInterval(timer);
        if (!response.ok) { throw new Error("Lỗi " + response.status); }
        return response.text();
      }).then(function (html) {
        title.textContent = link.getAttribute("data-title");
        body.innerHTML = html;
        panel.hidden = false;
        panel.scrollIntoView({ behavior: "smooth" });
        pcgd.progress(null);
      }).catch(function (error) {
        clearInterval(timer);
        pcgd.progress(null);
        alert("Không xem được biểu: " + error.message);
      });
    });
  });
})();
