// A batch's page: follows its progress until it ends (the batch runs on the server; reloading
// or closing the page does not touch it).
"use strict";
(function () {
  const root = document.getElementById("batch");
  const id = root.dataset.batch;
  const STOPPED = ["failed", "interrupted"]; // ended without running its course
  const FINAL = ["done", ...STOPPED];
  async function poll() {
    const response = await fetch(`/api/v1/pcs/batches/${id}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const batch = await response.json();
    document.getElementById("batch-state").textContent = batch.state;
    document.getElementById("batch-count").textContent = batch.done + batch.failed;
    document.getElementById("batch-failed").textContent = batch.failed;
    const message = document.getElementById("batch-message");
    message.textContent = `: ${batch.message}`;
    // a batch that ran its course says it in its counts; one that stopped says why
    message.hidden = !STOPPED.includes(batch.state);
    document.getElementById("batch-progress").value = batch.done + batch.failed;
    const zip = document.getElementById("batch-zip");
    if (zip) zip.hidden = !batch.has_archive;
    for (const node of batch.nodes) {
      const row = root.querySelector(`tr[data-position="${node.position}"]`);
      if (!row) continue;
      row.querySelector(".state").textContent = node.state;
      row.classList.toggle("failed", STOPPED.includes(node.state));
      row.querySelector(".outcome").textContent = node.bundle_name || node.message;
    }
    root.dataset.state = batch.state;
    if (!FINAL.includes(batch.state)) setTimeout(poll, 1000);
  }
  poll();
})();
