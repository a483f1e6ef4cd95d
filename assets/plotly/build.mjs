// Bundles index.js into static/vendor/plotly-custom-<version>.min.js.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const { version } = JSON.parse(
  readFileSync(new URL("node_modules/plotly.js/package.json", import.meta.url)));
const outfile = new URL(`../../static/vendor/plotly-custom-${version}.min.js`, import.meta.url);

await build({
  entryPoints: [new URL("index.js", import.meta.url).pathname],
  outfile: outfile.pathname,
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "Plotly",
  target: "es2018",
  legalComments: "none",
  define: { global: "window" },
  // registry.js requires maplibre's CSS for map traces, which we do not bundle.
  loader: { ".css": "empty" },
  logLevel: "info",
});
