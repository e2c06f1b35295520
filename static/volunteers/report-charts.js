// Draws the charts a report describes in its JSON (#report-charts) with the vendored Chart.js.
(function () {
  var node = document.getElementById("report-charts");
  if (!node || typeof Chart === "undefined") { return; }
  JSON.parse(node.textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: chart.type,
      data: { labels: chart.labels, datasets: [{ label: chart.title, data: chart.values,
        backgroundColor: ["#2457c5", "#1f7a45", "#a86300", "#b42318", "#6b4fbb", "#0e7490", "#5d6778"] }] },
      options: { responsive: true, plugins: { legend: { display: chart.type !== "bar" } } }
    });
  });
})();
