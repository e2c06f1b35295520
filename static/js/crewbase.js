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
