/**
 * Self-contained HTML reports: plotly.js (the `plotly.js-dist-min` bundle)
 * inlined, each figure in its own `div`, so a report opens offline from
 * `file://`. When every plot has drawn, the page sets
 * `document.body.dataset.plotted` to the number of figures (an error sets
 * `data-plot-error` instead), which tests read from the DOM.
 *
 * @module
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { writeFileAtomic } from "../io/mod.ts";
import { escapeHtml, FONT_FAMILY } from "./_style.ts";
import type { Figure } from "./figure.ts";

/** Options of {@linkcode plotlySource}. */
export interface PlotlySourceOptions {
  /**
   * Path of `plotly.min.js`.
   *
   * @default {undefined} resolved from the `plotly.js-dist-min` npm package next to this module, else `<cwd>/node_modules/plotly.js-dist-min/plotly.min.js`
   */
  path?: string;
}

const sources = new Map<string, string>();

function defaultPlotlyPath(): string[] {
  const candidates: string[] = [];
  try {
    candidates.push(
      createRequire(import.meta.url).resolve("plotly.js-dist-min"),
    );
  } catch {
    // not resolvable from here (e.g. a bundle): try the working folder
  }
  candidates.push(
    join(Deno.cwd(), "node_modules", "plotly.js-dist-min", "plotly.min.js"),
  );
  return candidates;
}

/**
 * The source of plotly.js (`plotly.min.js`, about 4.8 MB), read once and
 * cached. Throws `Deno.errors.NotFound` naming the paths tried when the
 * package is not installed.
 *
 * @param options Where `plotly.min.js` is.
 * @returns The text of `plotly.min.js`.
 * @throws {Deno.errors.NotFound} when no path tried holds `plotly.min.js`.
 *
 * @example
 * ```ts
 * import { plotlySource } from "./html_report.ts";
 * import { ok as assert } from "node:assert/strict";
 * const src = plotlySource();
 * assert(src.length > 1_000_000 && src.includes("newPlot"));
 * assert(plotlySource() === src); // cached
 * ```
 */
export function plotlySource(options: PlotlySourceOptions = {}): string {
  const candidates = options.path === undefined
    ? defaultPlotlyPath()
    : [options.path];
  for (const path of candidates) {
    const cached = sources.get(path);
    if (cached !== undefined) return cached;
    try {
      const text = Deno.readTextFileSync(path);
      sources.set(path, text);
      return text;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Deno.errors.NotFound(
    `Cannot inline plotly.js: plotly.min.js not found at ${
      candidates.join(" or ")
    }; install the npm package plotly.js-dist-min (deno install)`,
  );
}

/** JSON for a `<script>` element: `<`, `>`, `&` and line separators escaped. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A script body as inline `<script>` content (no premature `</script`). */
function inlineScript(source: string): string {
  return source.replaceAll("</script", () => "<\\/script");
}

function checkFigure(figure: Figure, i: number): number {
  const height = figure?.layout?.height;
  if (!Array.isArray(figure?.data) || typeof height !== "number") {
    throw new TypeError(
      `Cannot put figure ${i} into HTML: it must be {data: [...], layout: {height, ...}}`,
    );
  }
  return height;
}

/** Options of {@linkcode figureHtmlFragment}. */
export interface FragmentOptions {
  /**
   * Id of the figure's `div`.
   *
   * @default {"plot-0"}
   */
  id?: string;
}

/**
 * One figure as an HTML fragment (a `div` and a script calling
 * `Plotly.newPlot`) for a page that already loads plotly.js, e.g. the
 * `text/html` fallback of a notebook output.
 *
 * @param figure The plotly figure; its layout must give a `height` in px.
 * @param options The id of the figure's `div`.
 * @returns The `div` and its script, with the figure's JSON escaped for a
 *   `<script>` element.
 * @throws {TypeError} when the figure has no `data` array or no numeric
 *   `layout.height`.
 *
 * @example
 * ```ts
 * import { figureHtmlFragment } from "./html_report.ts";
 * import { ok as assert } from "node:assert/strict";
 * const html = figureHtmlFragment({ data: [], layout: { title: { text: "</script>" }, height: 300 } }, { id: "p1" });
 * assert(html.startsWith('<div id="p1" class="kepler-figure" style="height:300px"></div>'));
 * assert(!html.includes("</script>\"") && html.includes("\\u003c/script\\u003e"));
 * ```
 */
export function figureHtmlFragment(
  figure: Figure,
  options: FragmentOptions = {},
): string {
  const id = options.id ?? "plot-0";
  const height = checkFigure(figure, 0);
  return `<div id="${
    escapeHtml(id)
  }" class="kepler-figure" style="height:${height}px"></div>` +
    `<script>(function(){var f=${scriptJson(figure)};` +
    `Plotly.newPlot(${
      scriptJson(id)
    },f.data,f.layout,{responsive:true,displaylogo:false});})();</script>`;
}

/** Options of {@linkcode figuresToHtml} and {@linkcode writeHtmlReport}. */
export interface HtmlReportOptions {
  /**
   * Page title and heading.
   *
   * @default {"kepler-model report"}
   */
  title?: string;
  /**
   * A paragraph under the heading (plain text).
   *
   * @default {undefined} none
   */
  description?: string;
  /**
   * The plotly.js source to inline. An empty string leaves plotly out (the page then sets
   * `data-plot-error`), which tests use as a negative control.
   *
   * @default {@linkcode plotlySource}()
   */
  plotlySource?: string;
}

const PLOT_SCRIPT = `(function () {
  var body = document.body;
  var ids = JSON.parse(document.getElementById("kepler-figure-ids").textContent);
  if (typeof Plotly === "undefined") {
    body.dataset.plotError = "plotly.js is not loaded";
    return;
  }
  Promise.all(ids.map(function (id) {
    var figure = JSON.parse(document.getElementById(id + "-figure").textContent);
    return Plotly.newPlot(id, figure.data, figure.layout, { responsive: true, displaylogo: false });
  })).then(function () {
    body.dataset.plotted = String(ids.length);
  }, function (error) {
    body.dataset.plotError = String((error && error.message) || error);
  });
})();`;

/**
 * A self-contained HTML page of figures: plotly.js inlined in the head,
 * each figure's JSON in a `<script type="application/json">` and drawn into
 * its own `div` (`plot-0`, `plot-1`, ...) with `{responsive: true}`; when
 * all have drawn, `<body data-plotted="N">`. Works offline from `file://`.
 * Throws a `RangeError` without figures.
 *
 * @param figures The plotly figures, in page order; each layout must give
 *   a `height` in px.
 * @param options Title, description and the plotly.js source to inline.
 * @returns The whole HTML page.
 * @throws {RangeError} when no figure is given.
 * @throws {TypeError} when a figure has no `data` array or no numeric
 *   `layout.height`.
 * @throws {Deno.errors.NotFound} when no plotly.js source is given and the
 *   package is not installed.
 *
 * @example
 * ```ts
 * import { figuresToHtml } from "./html_report.ts";
 * import { ok as assert } from "node:assert/strict";
 * const fig = { data: [{ type: "scatter" as const, name: "a", x: [1, 2], y: [3, 4] }],
 *   layout: { title: { text: "A & B" }, height: 400 } };
 * const html = figuresToHtml([fig, fig], { title: "Report <1>" });
 * assert(html.includes("<title>Report &lt;1&gt;</title>"));
 * assert(html.includes('<div id="plot-1" class="kepler-figure" style="height:400px"></div>'));
 * assert(html.includes("Plotly.newPlot") && html.length > 1_000_000); // plotly.js inlined
 * ```
 */
export function figuresToHtml(
  figures: readonly Figure[],
  options: HtmlReportOptions = {},
): string {
  if (figures.length === 0) {
    throw new RangeError("Cannot make an HTML report: no figures given");
  }
  const title = escapeHtml(options.title ?? "kepler-model report");
  const plotly = options.plotlySource ?? plotlySource();
  const ids = figures.map((_, i) => `plot-${i}`);
  const parts: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="kepler-model">',
    `<title>${title}</title>`,
    "<style>",
    `body { font-family: ${FONT_FAMILY}; color: #222222; background: #ffffff; margin: 0 auto; padding: 16px 24px; max-width: 1200px; }`,
    "h1 { font-size: 22px; font-weight: 600; margin: 4px 0 8px; }",
    "p.description { margin: 0 0 12px; color: #444444; }",
    ".kepler-figure { width: 100%; margin: 0 0 28px; }",
    "</style>",
  ];
  if (plotly !== "") {
    // Concatenated, never passed through String.replace: plotly.min.js
    // contains `$&`, `$1`, ... which a replacement string would expand.
    parts.push("<script>", inlineScript(plotly), "</script>");
  }
  parts.push("</head>", "<body>", `<h1>${title}</h1>`);
  if (options.description !== undefined) {
    parts.push(
      `<p class="description">${escapeHtml(options.description)}</p>`,
    );
  }
  figures.forEach((figure, i) => {
    const height = checkFigure(figure, i);
    const id = ids[i]!;
    parts.push(
      `<div id="${id}" class="kepler-figure" style="height:${height}px"></div>`,
      `<script type="application/json" id="${id}-figure">${
        scriptJson(figure)
      }</script>`,
    );
  });
  parts.push(
    `<script type="application/json" id="kepler-figure-ids">${
      scriptJson(ids)
    }</script>`,
    `<script>${PLOT_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  );
  return parts.join("\n");
}

/**
 * Writes {@linkcode figuresToHtml} to `path` atomically (parent folders
 * created).
 *
 * @param path The HTML file to write (replaced when it exists).
 * @param figures The plotly figures, in page order.
 * @param options Title, description and the plotly.js source to inline.
 * @returns A promise that resolves once the file is in place.
 * @throws {RangeError} when no figure is given.
 * @throws {TypeError} when a figure has no `data` array or no numeric
 *   `layout.height`.
 *
 * @example
 * ```ts
 * import { writeHtmlReport } from "./html_report.ts";
 * import { ok as assert } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const fig = { data: [], layout: { title: { text: "empty" }, height: 300 } };
 * await writeHtmlReport(`${dir}/out/report.html`, [fig], { title: "T", plotlySource: "" });
 * assert((await Deno.readTextFile(`${dir}/out/report.html`)).includes('id="plot-0"'));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeHtmlReport(
  path: string,
  figures: readonly Figure[],
  options: HtmlReportOptions = {},
): Promise<void> {
  await writeFileAtomic(path, figuresToHtml(figures, options));
}
