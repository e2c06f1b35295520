// Copy buttons: <button data-copy="text">Copy</button> puts the text on the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const done = (label) => {
    const before = button.textContent;
    button.textContent = label;
    setTimeout(() => { button.textContent = before; }, 1500);
  };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(button.dataset.copy).then(() => done("Copied"), () => done("Copy failed"));
  } else {
    done("Select and copy");
  }
});
