// A device's plots: each measured sensor over time, drawn with uPlot (a dependency the build
// installs into /static/vendor). The time range is chosen with the presets or the From/To
// fields (UTC) and kept in the page's address; pointing shows the values, dragging zooms every
// plot to the same span, double-clicking zooms out.
"use strict";
(function () {
  const holder = document.getElementById("plots");
  const status = document.getElementById("plots-status");
  const form = document.getElementById("range");
  const sinceInput = document.getElementById("range-since");
  const untilInput = document.getElementById("range-until");
  const HEIGHT = 220;
  let charts = [];
  let syncing = false;

  function say(text, problem = false) {
    status.textContent = text;
    status.classList.toggle("problem", problem); // a range or load refused: said in red
  }

  // "2026-12-05T03:00:00Z" as people read it: "2026-12-05 03:00 UTC"
  function readable(iso) {
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  }

  // "2026-12-05T10:00:00Z" <-> the value of a datetime-local field read as UTC
  function fieldValue(iso) {
    return iso ? iso.replace(/Z$/, "").slice(0, 19) : "";
  }
  function fromField(value) {
    if (!value) return "";
    const full = value.length === 16 ? `${value}:00` : value.slice(0, 19);
    return `${full}Z`;
  }
  function utcText(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
  }

  function timeLabels(u, splits) {
    const span = u.scales.x.max - u.scales.x.min;
    return splits.map((s) => {
      const iso = new Date(s * 1000).toISOString();
      if (span > 3 * 86400) return iso.slice(5, 10);
      if (span > 86400) return `${iso.slice(5, 10)}\n${iso.slice(11, 16)}`;
      if (span > 120) return iso.slice(11, 16);
      return span > 3 ? iso.slice(11, 19) : iso.slice(11, 23);
    });
  }

  // room between ticks for labels as wide as the span needs (12:34:56.789 needs the most)
  function tickSpace(u, axis, min, max) {
    const span = max - min;
    if (span > 3 * 86400 || (span > 120 && span <= 86400)) return 60;
    return span > 3 ? 80 : 110;
  }

  function number(value, decimals) {
    if (value == null) return "–";
    return decimals == null ? String(value) : value.toFixed(decimals);
  }

  // each figure says the span it shows (data-from, data-to), as a reader of the page can check
  function showSpan(u) {
    const figure = u.root.closest("figure");
    if (u.scales.x.min == null || !figure) return;
    figure.dataset.from = utcText(u.scales.x.min);
    figure.dataset.to = utcText(u.scales.x.max);
  }

  function zoomOthers(source) {
    showSpan(source);
    if (syncing) return;
    syncing = true;
    const { min, max } = source.scales.x;
    for (const chart of charts) {
      if (chart !== source) chart.setScale("x", { min, max });
    }
    syncing = false;
  }

  function draw(series) {
    for (const chart of charts) chart.destroy();
    charts = [];
    holder.replaceChildren();
    for (const item of series) {
      const figure = document.createElement("figure");
      figure.dataset.sensor = item.sensor;
      const caption = document.createElement("figcaption");
      caption.textContent = item.unit ? `${item.name} (${item.unit})` : item.name;
      if (item.truncated) caption.textContent += " — newest points of the range";
      const area = document.createElement("div");
      area.className = "chart";
      area.setAttribute("role", "img");
      area.setAttribute("aria-label", `${item.name} over time, ${item.points.length} readings`);
      figure.append(caption, area);
      holder.append(figure);
      const xs = item.points.map((p) => p[0]);
      const ys = item.points.map((p) => p[1]);
      const chart = new uPlot(
        {
          width: Math.max(area.clientWidth, 240),
          height: HEIGHT,
          scales: { x: { time: true } },
          cursor: { drag: { x: true, y: false, setScale: true } },
          axes: [{ values: timeLabels, space: tickSpace }, { size: 56 }],
          series: [
            { label: "UTC", value: (u, v) => (v == null ? "–" : utcText(v)) },
            {
              label: item.unit ? `${item.sensor} (${item.unit})` : item.sensor,
              stroke: "#1f6feb",
              width: 1.5,
              points: { show: xs.length <= 60 },
              value: (u, v) => number(v, item.decimals),
            },
          ],
          hooks: { setScale: [(u, key) => key === "x" && zoomOthers(u)], ready: [showSpan] },
        },
        [xs, ys],
        area,
      );
      charts.push(chart);
    }
  }

  function range() {
    const query = new URLSearchParams(location.search);
    return { since: query.get("since") || "", until: query.get("until") || "" };
  }

  async function load() {
    const { since, until } = range();
    sinceInput.value = fieldValue(since);
    untilInput.value = fieldValue(until);
    const query = new URLSearchParams();
    if (since) query.set("since", since);
    if (until) query.set("until", until);
    say("Loading…");
    let answer;
    try {
      answer = await fetch(`${holder.dataset.series}?${query}`, { credentials: "same-origin" });
    } catch (error) {
      say("The readings could not be loaded: the server did not answer.");
      return;
    }
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      say(`The readings could not be loaded: ${body.error || answer.statusText}`, true);
      return;
    }
    const shown = body.series.filter((item) => item.points.length > 0);
    draw(shown);
    const total = shown.reduce((sum, item) => sum + item.points.length, 0);
    const span = since || until
      ? `from ${since ? readable(since) : "the first"} to ${until ? readable(until) : "now"}`
      : "all time";
    say(shown.length ? `${total} readings, ${span}.` : `No readings ${since || until ? "in this range" : "yet"}.`);
  }

  function show(since, until) {
    const query = new URLSearchParams(location.search);
    for (const [name, value] of [["since", since], ["until", until]]) {
      if (value) query.set(name, value);
      else query.delete(name);
    }
    const text = query.toString();
    history.replaceState(null, "", text ? `?${text}` : location.pathname);
    load();
  }

  if (typeof uPlot === "undefined") {
    say("The charting library is not installed on this server (run make, which installs it).");
    return;
  }
  for (const button of form.querySelectorAll("button[data-hours]")) {
    button.addEventListener("click", () => {
      const hours = Number(button.dataset.hours);
      const since = hours ? new Date(Date.now() - hours * 3600 * 1000).toISOString().slice(0, 19) + "Z" : "";
      show(since, "");
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const since = fromField(sinceInput.value);
    const until = fromField(untilInput.value);
    if (since && until && Date.parse(until) <= Date.parse(since)) {
      say("“To” must be later than “From”.", true);
      untilInput.focus();
      return;
    }
    show(since, until);
  });
  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      for (const chart of charts) {
        chart.setSize({ width: Math.max(chart.root.parentElement.clientWidth, 240), height: HEIGHT });
      }
    }, 150);
  });
  load();
})();
