import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import type { Figure } from "./figure.ts";
import {
  figureHtmlFragment,
  figuresToHtml,
  plotlySource,
  writeHtmlReport,
} from "./html_report.ts";

const FIG: Figure = {
  data: [{
    type: "scatter",
    name: "</script><b>x</b>",
    x: [1, 2],
    y: [3, null],
  }],
  layout: { title: { text: "A & B <i>" }, height: 321 },
};

/** The JSON of each `<script type="application/json">` element, by id. */
function jsonScripts(html: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const re = /<script type="application\/json" id="([^"]+)">([^<]*)<\/script>/g;
  for (const m of html.matchAll(re)) out.set(m[1]!, JSON.parse(m[2]!));
  return out;
}

Deno.test("`figuresToHtml()` inlines plotly.js unchanged", () => {
  const src = plotlySource();
  // plotly.min.js has `$&` and `$1`: a string replacement would mangle them
  assert(src.includes("$&") && src.includes("$1"));
  const html = figuresToHtml([FIG]);
  assert(html.includes(`<script>\n${src}\n</script>`));
  assert(html.indexOf(src) < html.indexOf("<body>"));
  // nothing else is loaded: the page works offline from file://
  const page = html.replace(src, () => "");
  assert(!/src=|href=|https?:/.test(page));
});

Deno.test("`figuresToHtml()` puts each figure's JSON beside its own div", () => {
  const html = figuresToHtml([FIG, {
    ...FIG,
    layout: { ...FIG.layout, height: 500 },
  }], {
    title: "Report <1>",
    description: "a & b",
    plotlySource: "",
  });
  assertEquals(
    [...html.matchAll(
      /<div id="(plot-\d)" class="kepler-figure" style="height:(\d+)px">/g,
    )]
      .map((m) => [m[1], m[2]]),
    [["plot-0", "321"], ["plot-1", "500"]],
  );
  const scripts = jsonScripts(html);
  assertEquals(scripts.get("plot-0-figure"), FIG);
  assertEquals(scripts.get("kepler-figure-ids"), ["plot-0", "plot-1"]);
  // text from the data never closes a script element early
  assertEquals(html.match(/<\/script>/g)!.length, 4);
  assert(html.includes("<title>Report &lt;1&gt;</title>"));
  assert(html.includes('<p class="description">a &amp; b</p>'));
  // no plotly inlined with plotlySource ""
  assert(!html.includes("<script>\n"));
  // the marker a test waits for, and the responsive option
  assert(html.includes("body.dataset.plotted = String(ids.length)"));
  assert(html.includes("{ responsive: true, displaylogo: false }"));
});

Deno.test("`figuresToHtml()` is deterministic", () => {
  assertEquals(
    figuresToHtml([FIG], { plotlySource: "" }),
    figuresToHtml([structuredClone(FIG)], { plotlySource: "" }),
  );
});

Deno.test("`figuresToHtml()` rejects no figures and malformed ones", () => {
  assertThrows(() => figuresToHtml([], { plotlySource: "" }), RangeError);
  assertThrows(
    () =>
      figuresToHtml([FIG, { data: [] } as unknown as Figure], {
        plotlySource: "",
      }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message.startsWith("Cannot put figure 1 into HTML"),
  );
});

Deno.test("`figureHtmlFragment()` draws one figure on a page with plotly", () => {
  const html = figureHtmlFragment(FIG, { id: "fig-7" });
  assert(
    html.startsWith(
      '<div id="fig-7" class="kepler-figure" style="height:321px"></div><script>',
    ),
  );
  assertEquals(html.match(/<\/script>/g)!.length, 1);
  assert(
    html.includes(
      'Plotly.newPlot("fig-7",f.data,f.layout,{responsive:true,displaylogo:false})',
    ),
  );
});

Deno.test("`writeHtmlReport()` writes the page atomically", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/plots/report.html`;
    await writeHtmlReport(path, [FIG], { plotlySource: "" });
    assertEquals(
      await Deno.readTextFile(path),
      figuresToHtml([FIG], { plotlySource: "" }),
    );
    const names = [...Deno.readDirSync(`${dir}/plots`)].map((e) => e.name);
    assertEquals(names, ["report.html"]); // no temp file left behind
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`plotlySource()` says where it looked", () => {
  assertThrows(
    () => plotlySource({ path: "/nonexistent/plotly.min.js" }),
    (e: unknown) =>
      e instanceof Deno.errors.NotFound &&
      e.message.includes("not found at /nonexistent/plotly.min.js"),
  );
});
