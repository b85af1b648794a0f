// Unit maps: a tooltip on hover and keyboard focus, Enter opens a unit's board, and the selector
// redraws the map in place on the boards (on the map page it reloads the page with its table).
(function () {
  "use strict";

  function progress(fraction, label) {
    if (window.pcgd && window.pcgd.progress) window.pcgd.progress(fraction, label);
  }

  function bind(section) {
    var body = section.querySelector(".geo-panel-body");
    var tip = section.querySelector(".geo-tip");
    var svg = section.querySelector(".geo-svg svg");
    if (!body || !svg || !tip) return;

    function label(path) {
      var title = path.querySelector("title");
      return title ? title.textContent : path.getAttribute("data-name") || "";
    }
    function place(x, y) {
      var box = section.getBoundingClientRect();
      tip.style.left = Math.max(0, Math.min(x - box.left + 14, box.width - 260)) + "px";
      tip.style.top = (y - box.top + 16) + "px";
    }
    function show(path, x, y) {
      tip.textContent = label(path);
      tip.hidden = false;
      place(x, y);
      path.classList.add("geo-hot");
    }
    function hide(path) {
      tip.hidden = true;
      if (path) path.classList.remove("geo-hot");
    }
    function shapeOf(target) {
      if (!target || !target.closest) return null;
      var link = target.closest("a");
      return link ? link.querySelector("path[data-code]") : target.closest("path[data-code]");
    }
    svg.addEventListener("mousemove", function (e) {
      var path = shapeOf(e.target);
      if (path) show(path, e.clientX, e.clientY);
    });
    svg.addEventListener("mouseout", function (e) { hide(shapeOf(e.target)); });
    svg.addEventListener("focusin", function (e) {
      var path = shapeOf(e.target);
      if (!path) return;
      var r = path.getBoundingClientRect();
      show(path, r.left + r.width / 2, r.top + r.height / 2);
    });
    svg.addEventListener("focusout", function (e) { hide(shapeOf(e.target)); });
    svg.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      var link = e.target.closest && e.target.closest("a");
      if (link) {
        e.preventDefault();
        window.location.href = link.getAttribute("href");
      }
    });

    var form = body.querySelector("[data-geo-select]");
    if (!form) return;
    var swap = section.hasAttribute("data-swap");
    function reload() {
      if (!swap) { form.submit(); return; }
      var query = new URLSearchParams(new FormData(form)).toString();
      progress(0.3, "Đang vẽ bản đồ…");
      fetch(body.getAttribute("data-panel-url") + "?" + query,
            { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector(".geo-panel-body");
          if (fresh) body.replaceWith(fresh);
          bind(section);
          var first = section.querySelector("[data-geo-select] select[name=" +
            (document.activeElement && document.activeElement.name || "standard") + "]");
          if (first) first.focus();
        })
        .catch(function () { form.submit(); })
        .finally(function () { progress(null); });
    }
    form.addEventListener("change", function (e) {
      if (e.target.name === "standard") {
        form.querySelector("select[name=criterion]").value = "";
        form.querySelector("select[name=level]").value = "";
      }
      reload();
    });
    form.addEventListener("submit", function (e) {
      if (swap) { e.preventDefault(); reload(); }
    });
  }

  document.querySelectorAll(".geo-panel").forEach(bind);

  var upload = document.getElementById("geo-import-form");
  if (upload) {
    upload.addEventListener("submit", function () {
      progress(0.5, "Đang đọc tệp và ghép đơn vị…");
    });
  }
})();
