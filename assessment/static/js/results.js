// The study plan download: the first render runs in the background; show its progress, then
// download. Without JavaScript the link still works (the server answers "being prepared" and
// the browser asks again every few seconds).
(function () {
  "use strict";
  var box = document.getElementById("study-plan");
  if (!box) return;
  var link = document.getElementById("download-plan");
  var bar = document.getElementById("plan-progress");
  var status = document.getElementById("plan-status");
  var url = box.getAttribute("data-status-url");
  var ready = false;

  function poll(thenDownload) {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === "ready") {
          ready = true;
          bar.value = 100;
          bar.parentNode.hidden = true;
          link.removeAttribute("aria-disabled");
          link.classList.remove("busy");
          status.textContent = "Your study plan is ready.";
          if (thenDownload) window.location.href = link.href;
        } else if (s.state === "failed") {
          bar.parentNode.hidden = true;
          link.classList.remove("busy");
          status.textContent = s.message || "The study plan could not be made. Try again.";
        } else {
          bar.parentNode.hidden = false;
          bar.value = s.percent;
          status.textContent = "Preparing your study plan… " + s.percent + " %";
          setTimeout(function () { poll(thenDownload); }, 1000);
        }
      })
      .catch(function () { status.textContent = "Could not reach the server; the link still works."; });
  }

  link.addEventListener("click", function (event) {
    if (ready) return;  // cached: a plain download
    event.preventDefault();
    link.classList.add("busy");
    link.setAttribute("aria-disabled", "true");
    poll(true);
  });
  poll(false);  // start rendering as soon as the page is open, so the click is usually instant
})();
