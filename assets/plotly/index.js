// Only the traces the portal draws (portal/charts.py): a custom bundle is
// about a quarter of plotly.js's full 4.8 MB. Add a trace here when a chart
// needs a new type, then rebuild (see package.json).
var Plotly = require("plotly.js/lib/core");

Plotly.register([
  require("plotly.js/lib/scatter"),
  require("plotly.js/lib/bar"),
  require("plotly.js/lib/pie"),
  require("plotly.js/lib/sankey"),
  require("plotly.js/lib/heatmap"),
  require("plotly.js/lib/locales/ja"),
]);

module.exports = Plotly;
