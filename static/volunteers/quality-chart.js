// Data-quality trend: one line per entity, scores 0-100 over the stored runs.
(function () {
  var holder = document.getElementById("quality-trend-data");
  var canvas = document.getElementById("quality-trend");
  if (!holder || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(holder.textContent);
  var colours = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626"];
  var datasets = Object.keys(data.series).map(function (entity, i) {
    return {label: entity, data: data.series[entity], borderColor: colours[i % colours.length], tension: 0.2,
            spanGaps: true};
  });
  new Chart(canvas, {type: "line", data: {labels: data.labels, datasets: datasets},
                     options: {scales: {y: {min: 0, max: 100}}, plugins: {legend: {position: "bottom"}}}});
})();
