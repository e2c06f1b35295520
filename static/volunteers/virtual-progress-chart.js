// Teacher progress: a stacked bar per school (achieved, in progress, not started).
(function () {
  var holder = document.getElementById("virtual-progress-data");
  var canvas = document.getElementById("virtual-progress-chart");
  if (!holder || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(holder.textContent);
  var colours = {"Achieved": "#16a34a", "In progress": "#d97706", "Not started": "#9ca3af"};
  var datasets = Object.keys(data.series).map(function (label) {
    return {label: label, data: data.series[label], backgroundColor: colours[label] || "#2563eb"};
  });
  new Chart(canvas, {type: "bar", data: {labels: data.labels, datasets: datasets},
                     options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}},
                               plugins: {legend: {position: "bottom"}}}});
})();
