// Charts for the expense analytics page; data comes from the json_script block.
(function () {
  "use strict";
  var source = document.getElementById("analytics-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  function num(list) { return list.map(function (v) { return parseFloat(v); }); }
  function chart(id, type, labels, values, label) {
    var el = document.getElementById(id);
    if (!el) return;
    new Chart(el, {
      type: type,
      data: { labels: labels, datasets: [{ label: label, data: num(values) }] },
      options: { responsive: true, plugins: { legend: { display: type === "doughnut" } } }
    });
  }
  chart("chart-month", "line", data.months, data.month_totals, "Monthly total ($)");
  chart("chart-category", "doughnut", data.categories, data.category_totals, "Total ($)");
  chart("chart-meal", "bar", data.meal_types, data.meal_totals, "Total ($)");
  chart("chart-restaurant", "bar", data.restaurants, data.restaurant_totals, "Total ($)");
})();
