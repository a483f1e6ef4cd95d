// Draws every figure that a page embeds with json_script (portal/charts.py)
// and wires the pivot tabs and the 色を表示 (heatmap) toggle. No CDN: plotly
// is served from static/vendor.
(function () {
  "use strict";

  function drawCharts() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || typeof Plotly === "undefined") return;
      try {
        var fig = JSON.parse(source.textContent);
        Plotly.newPlot(el, fig.data, fig.layout, {
          displaylogo: false,
          responsive: true,
          modeBarButtonsToRemove: ["select2d", "lasso2d"],
        }).then(function () {
          el.dataset.ready = "1";
        });
      } catch (err) {
        // One broken figure must not take the rest of the page with it.
        el.textContent = String(err);
        console.error(err);
      }
    });
  }

  function wireTabs() {
    document.querySelectorAll(".tabs").forEach(function (bar) {
      bar.addEventListener("click", function (ev) {
        var tab = ev.target.closest(".tab");
        if (!tab) return;
        bar.querySelectorAll(".tab").forEach(function (t) {
          var on = t === tab;
          t.classList.toggle("active", on);
          t.setAttribute("aria-selected", on ? "true" : "false");
          var panel = document.getElementById(t.dataset.tab);
          if (panel) panel.hidden = !on;
        });
      });
    });
  }

  function wireHeatmap() {
    var toggle = document.getElementById("heatmap-toggle");
    var section = document.getElementById("pivots");
    if (!toggle || !section) return;
    var apply = function () {
      section.classList.toggle("heatmap", toggle.checked);
    };
    toggle.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireTabs();
    wireHeatmap();
    drawCharts();
  });
})();
