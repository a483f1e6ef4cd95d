// Draws every figure that a page embeds with json_script (portal/charts.py)
// and wires the pivot tablist and the 色を表示 (heatmap) toggle. No CDN: plotly
// is our own bundle in static/vendor (assets/plotly builds it).
//
// The chosen pivot tab and the toggle are kept in the URL (?tab=…&heat=1)
// and in the selector form's hidden fields, so a month or device change, a
// reload and a shared link all keep them.
(function () {
  "use strict";

  function drawCharts() {
    var locale = document.documentElement.lang === "en" ? "en" : "ja";
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || typeof Plotly === "undefined") return;
      try {
        var fig = JSON.parse(source.textContent);
        Plotly.newPlot(el, fig.data, fig.layout, {
          displaylogo: false,
          responsive: true,
          locale: locale,
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

  // Writes tab/heat into the address bar, the selector form and the links
  // that reload this screen (the roaming switch).
  function keepInUrl(name, value) {
    var url = new URL(window.location.href);
    url.searchParams.set(name, value);
    window.history.replaceState(null, "", url);
    var field = document.getElementById(name + "-field");
    if (field) field.value = value;
    document.querySelectorAll("a[data-keep-view]").forEach(function (a) {
      var link = new URL(a.href);
      link.searchParams.set(name, value);
      a.href = link.toString();
    });
  }

  function wireTabs() {
    document.querySelectorAll("[role=tablist]").forEach(function (bar) {
      var tabs = Array.prototype.slice.call(bar.querySelectorAll("[role=tab]"));
      function select(tab, focus) {
        tabs.forEach(function (t) {
          var on = t === tab;
          t.classList.toggle("active", on);
          t.setAttribute("aria-selected", on ? "true" : "false");
          t.tabIndex = on ? 0 : -1;
          var panel = document.getElementById(t.dataset.tab);
          if (panel) panel.hidden = !on;
        });
        if (focus) tab.focus();
        if (tab.dataset.view) keepInUrl("tab", tab.dataset.view);
      }
      bar.addEventListener("click", function (ev) {
        var tab = ev.target.closest("[role=tab]");
        if (tab) select(tab, false);
      });
      // WAI-ARIA tabs: arrows move between tabs, Home/End to the ends.
      bar.addEventListener("keydown", function (ev) {
        var i = tabs.indexOf(document.activeElement);
        if (i < 0) return;
        var next = {
          ArrowRight: (i + 1) % tabs.length,
          ArrowLeft: (i - 1 + tabs.length) % tabs.length,
          Home: 0,
          End: tabs.length - 1,
        }[ev.key];
        if (next === undefined) return;
        ev.preventDefault();
        select(tabs[next], true);
      });
    });
  }

  function wireHeatmap() {
    var toggle = document.getElementById("heatmap-toggle");
    var section = document.getElementById("pivots");
    if (!toggle || !section) return;
    toggle.addEventListener("change", function () {
      section.classList.toggle("heatmap", toggle.checked);
      keepInUrl("heat", toggle.checked ? "1" : "0");
    });
    section.classList.toggle("heatmap", toggle.checked);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireTabs();
    wireHeatmap();
    drawCharts();
  });
})();
