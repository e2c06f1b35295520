// Add/edit expense: choosing a restaurant preselects the category most used there,
// unless the user already picked one.
(function () {
  "use strict";
  var restaurant = document.getElementById("id_restaurant");
  var category = document.getElementById("id_category");
  if (!restaurant || !category) return;
  var touched = category.value !== "";
  category.addEventListener("change", function () { touched = true; });
  restaurant.addEventListener("change", function () {
    if (touched || !restaurant.value) return;
    var url = restaurant.dataset.defaultCategoryUrl.replace("{id}", encodeURIComponent(restaurant.value));
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.id && !touched) category.value = String(data.id); })
      .catch(function () {});
  });
})();
