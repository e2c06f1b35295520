// Crewbase's small shared script: live job progress bars (see includes/job_progress.html).
(function () {
  "use strict";
  var FINISHED = { succeeded: true, failed: true };

  function render(el, job) {
    var bar = el.querySelector("progress");
    var percent = el.querySelector(".job-percent");
    var message = el.querySelector(".job-message");
    var outcome = el.querySelector(".job-outcome");
    bar.value = job.progress;
    percent.textContent = job.progress + "%";
    el.dataset.status = job.status;
    if (message) message.textContent = job.message || "";
    if (outcome && FINISHED[job.status]) {
      outcome.className = "job-outcome " + (job.status === "failed" ? "error" : "success");
      outcome.textContent = job.status === "failed" ? "Failed: " + (job.error || "unknown error") : "Done.";
    }
    el.dispatchEvent(new CustomEvent("job:update", { detail: job, bubbles: true }));
  }

  function poll(el) {
    if (FINISHED[el.dataset.status]) return;
    fetch(el.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        render(el, job);
        if (!FINISHED[job.status]) setTimeout(function () { poll(el); }, 1000);
        else if (el.hasAttribute("data-reload-when-done")) setTimeout(function () { window.location.reload(); }, 1500);
      })
      .catch(function () { setTimeout(function () { poll(el); }, 5000); });
  }

  window.Crewbase = window.Crewbase || {};
  window.Crewbase.watchJobs = function (root) {
    (root || document).querySelectorAll(".job-progress[data-job-url]").forEach(poll);
  };
  document.addEventListener("DOMContentLoaded", function () { window.Crewbase.watchJobs(); });
})();

// Filters that apply on change (`<select data-autosubmit>`): no inline handler, which the
// Content-Security-Policy would block.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
  });
})();

// Colour swatches (`data-colour="#2457c5"` on a member chip, a category or a tag): the colour is
// data, so it is set through the CSS object model — the Content-Security-Policy allows no inline
// style attributes. Only #rgb/#rrggbb values are taken.
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/;
  function paint(root) {
    (root || document).querySelectorAll("[data-colour]").forEach(function (el) {
      var colour = (el.getAttribute("data-colour") || "").trim();
      if (HEX.test(colour)) el.style.setProperty("--swatch", colour);
    });
  }
  window.Crewbase = window.Crewbase || {};
  window.Crewbase.paintSwatches = paint;
  document.addEventListener("DOMContentLoaded", function () { paint(); });
})();
