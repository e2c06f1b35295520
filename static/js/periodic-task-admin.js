// The periodic-task admin form: shows the chosen crontab in words under the crontab field
// (django-celery-beat's inline script, as a static file for the Content-Security-Policy).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("readable-crontabs");
    var select = document.getElementById("id_crontab");
    if (!data || !select) return;
    var readable = JSON.parse(data.textContent);
    var help = document.querySelector(".field-crontab .help");
    var original = help ? help.textContent : "";
    document.querySelectorAll(".field-crontab_translation").forEach(function (el) { el.hidden = true; });
    function update() {
      if (!help) return;
      help.textContent = original;
      help.appendChild(document.createElement("br"));
      help.appendChild(document.createTextNode("Translation: " + (readable[select.value] || "")));
    }
    // The admin's select widgets announce changes through jQuery, which native listeners miss.
    if (window.django && window.django.jQuery) window.django.jQuery(select).on("change", update);
    else select.addEventListener("change", update);
  });
})();
