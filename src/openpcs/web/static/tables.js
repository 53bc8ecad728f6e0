// Narrow screens show each row of a wide table (class "stack") as a card: every cell is
// labelled with its column's heading, which app.css shows before the cell's value.
"use strict";
(function () {
  for (const table of document.querySelectorAll("table.stack")) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (headings[index] && !cell.hasAttribute("colspan")) cell.dataset.label = headings[index];
      });
    }
  }
})();
