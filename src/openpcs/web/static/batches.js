"use strict";
(function () {
  const button = document.getElementById("select-all");
  if (!button) return;
  button.addEventListener("click", () => {
    for (const box of document.querySelectorAll('input[name="serials"]')) box.checked = true;
  });
})();
