/* Progressive enhancement: save the page's answers on every change, without leaving the page.
   Without JavaScript the page still saves on every page change. No libraries, no external requests. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("autosave-status");
  var timer = null;
  var sending = false;
  var again = false;

  function show(ok) {
    if (status) { status.textContent = status.getAttribute(ok ? "data-saved" : "data-failed"); }
  }

  function save() {
    timer = null;
    if (sending) { again = true; return; }
    sending = true;
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "autosave" }
    }).then(function (response) { show(response.ok); }, function () { show(false); })
      .then(function () { sending = false; if (again) { again = false; save(); } });
  }

  function later(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, delay);
  }

  form.addEventListener("change", function () { later(250); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { later(1200); }
  });
  form.addEventListener("submit", function () { if (timer) { clearTimeout(timer); timer = null; } });
})();
