// "Report a problem": send the page's title along with its URL.
document.querySelectorAll("form[data-report-problem]").forEach((form) => {
  form.elements.page_title.value = document.title.replace(/ · Crewbase$/, "");
});
