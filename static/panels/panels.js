// A filter box over a long table: <input data-filter-rows="CSS selector of the rows">.
// Rows whose text does not contain what was typed are hidden; nothing is sent anywhere.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("input[data-filter-rows]")) {
    const rows = () => document.querySelectorAll(box.dataset.filterRows);
    box.addEventListener("input", () => {
      const wanted = box.value.trim();
      for (const row of rows()) {
        row.hidden = wanted !== "" && !row.textContent.includes(wanted);
      }
    });
    // Enter in the filter box must not submit the surrounding form.
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  }
});
