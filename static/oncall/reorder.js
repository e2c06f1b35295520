// Drag-and-drop rotation order: reorder table rows, then post the ids in their new order.
(function () {
  const body = document.querySelector("#member-table tbody");
  const input = document.getElementById("order-input");
  const save = document.getElementById("save-order");
  if (!body || !input) return;
  let dragged = null;
  body.addEventListener("dragstart", (e) => { dragged = e.target.closest("tr"); e.dataTransfer.effectAllowed = "move"; });
  body.addEventListener("dragover", (e) => {
    e.preventDefault();
    const row = e.target.closest("tr");
    if (!row || row === dragged) return;
    const after = e.clientY > row.getBoundingClientRect().top + row.offsetHeight / 2;
    body.insertBefore(dragged, after ? row.nextSibling : row);
  });
  body.addEventListener("drop", (e) => {
    e.preventDefault();
    input.value = Array.from(body.querySelectorAll("tr[data-member]")).map((r) => r.dataset.member).join(",");
    save.hidden = false;
  });
})();
