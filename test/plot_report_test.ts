/**
 * An HTML report as a new user sees it: built from hand-made data with the
 * lib/plot figure builders, opened from `file://` in headless Chromium
 * (offline), checked in the DOM (plots resolved, SVG drawn) and in the
 * pixels of a screenshot (the plot area is not blank). The same page
 * without plotly.js is the negative control: both checks must fail on it.
 *
 * Set `PLOT_REPORT_PNG_DIR` to keep the screenshots for a look.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { exportPipeline } from "../lib/export/mod.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/mod.ts";
import {
  errorFigure,
  estimateFigure,
  estimateScatterFigure,
  type Figure,
  metadataFigure,
  powerCurveFigure,
  preprocessFigure,
  writeHtmlReport,
} from "../lib/plot/mod.ts";
import {
  capturePage,
  countPixels,
  decodePng,
  pixelAt,
  requireChromium,
  type RgbaImage,
} from "./_chromium.ts";

const T0 = 1702462614;
const N = 60;

/** Hand-made data: package power follows CPU time, predictions wobble. */
function figures(): Figure[] {
  const timestamp = Array.from({ length: N }, (_, i) => T0 + 3 * i);
  const cpu = timestamp.map((_, i) => 400 + 300 * Math.sin(i / 6));
  const measured = cpu.map((c) => 30 + 0.08 * c);
  const predicted = measured.map((p, i) => p + 3 * Math.sin(i / 2));
  const estimate = {
    timestamp,
    bpf_cpu_time_ms: cpu,
    package_power: measured,
    default_package_power: predicted,
    default_package_power_lo: predicted.map((p) => p - 5),
    default_package_power_hi: predicted.map((p) => p + 5),
  };
  const rows = ["SGDRegressorTrainer", "XgboostFitTrainer"].flatMap((
    trainer,
    k,
  ) =>
    ["BPFOnly", "CounterOnly"].map((feature_group, g) => ({
      model_name: `${trainer}_0`,
      trainer,
      feature_group,
      mae: 2 + k + g,
      mape: 4 + 2 * k + g,
      node_type: 0,
      package_mae: 2 + k + g,
    }))
  );
  return [
    estimateFigure(estimate, { title: "rapl-sysfs AbsPower estimate" }),
    estimateScatterFigure(estimate),
    preprocessFigure({
      timestamp,
      bpf_cpu_time_ms: cpu,
      package_power: measured,
    }),
    errorFigure(rows),
    metadataFigure(rows),
    powerCurveFigure([{
      nodeType: 0,
      model: "SGDRegressorTrainer_0",
      max: 700,
      predict: (x) => 30 + 0.08 * x,
    }], { component: "package" }),
  ];
}

/** The first figure's plot area on a 1000 px wide window. */
const PLOT_REGION = { left: 100, top: 120, right: 800, bottom: 560 };
/** `#1f77b4`, the colour of predicted power. */
const PREDICTED_RGB = [31, 119, 180] as const;

/**
 * Whether the screenshot shows a chart in the plot region: enough pixels
 * differ from the page background, and the predicted line's colour is
 * there.
 */
function chartDrew(image: RgbaImage): {
  ok: boolean;
  far: number;
  line: number;
} {
  const background = pixelAt(image, 2, 2);
  const { far, total } = countPixels(image, background, {
    region: PLOT_REGION,
  });
  const line = countPixels(image, PREDICTED_RGB, {
    region: PLOT_REGION,
    tolerance: 40,
  }).near;
  return { ok: far >= total * 0.05 && line >= 300, far, line };
}

async function keep(png: string): Promise<void> {
  let dir: string | undefined;
  try {
    dir = Deno.env.get("PLOT_REPORT_PNG_DIR");
  } catch {
    dir = undefined;
  }
  if (dir) await Deno.copyFile(png, join(dir, png.split("/").pop()!));
}

Deno.test({
  name: "`writeHtmlReport()` pages draw their charts in headless Chromium",
  ...requireChromium(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kepler-plot-report-" });
    try {
      const figs = figures();
      const html = join(dir, "report.html");
      await writeHtmlReport(html, figs, { title: "kepler-model test report" });

      const png = join(dir, "report.png");
      const dom = await capturePage(html, png, { width: 1000, height: 800 });
      await keep(png);

      // (a) the DOM: every plot resolved and plotly drew its SVG
      assert(
        dom.includes(`data-plotted="${figs.length}"`),
        "no plotted marker",
      );
      assert(!dom.includes("data-plot-error"));
      const svgs = dom.match(/class="main-svg"/g)?.length ?? 0;
      assert(svgs >= figs.length, `only ${svgs} main-svg elements`);

      // (b) the pixels: the first figure's plot area is not blank
      const image = decodePng(await Deno.readFile(png));
      assertEquals([image.width, image.height], [1000, 800]);
      const drew = chartDrew(image);
      assert(drew.ok, `plot area looks blank: ${JSON.stringify(drew)}`);

      // negative control: the same page without plotly.js fails both checks
      const bare = join(dir, "report_without_plotly.html");
      await writeHtmlReport(bare, figs, {
        title: "kepler-model test report",
        plotlySource: "",
      });
      const barePng = join(dir, "report_without_plotly.png");
      const bareDom = await capturePage(bare, barePng, {
        width: 1000,
        height: 800,
      });
      await keep(barePng);
      assert(!bareDom.includes("data-plotted="));
      assert(!bareDom.includes('class="main-svg"'));
      assert(bareDom.includes('data-plot-error="plotly.js is not loaded"'));
      const blank = chartDrew(decodePng(await Deno.readFile(barePng)));
      assertEquals(blank, { ok: false, far: 0, line: 0 });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "an exported pipeline's figures.html draws its charts in headless Chromium",
  ...requireChromium(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kepler-export-report-" });
    try {
      // Train a small pipeline on simulated data and export it, as a user
      // publishing models would; then open the report they would open.
      const sim = simulate({
        start: 1_767_225_600,
        duration: 900,
        containers: 5,
        seed: 5,
        sources: ["rapl-sysfs"],
      });
      const report = await trainPipeline([queryDataFrom(queryResult(sim))], {
        modelPath: dir,
        pipelineName: "std",
        sources: ["rapl-sysfs"],
        featureGroups: ["BPFOnly", "Basic"],
        absTrainers: ["SGDRegressorTrainer", "LinearRegressionTrainer"],
        dynTrainers: ["SGDRegressorTrainer"],
        machineSpec: sim.spec,
        machineId: "m1",
        workers: 1,
      });
      const exported = await exportPipeline(
        report.pipelineDir,
        join(dir, "db"),
        {
          publisher: "tester",
          collectTime: "2026-01-01 00:00:00",
          thresholds: { mae: 1000, mape: 1000, hard: 10_000 },
        },
      );
      const html = join(exported.exportDir, "figures.html");
      const png = join(dir, "figures.png");
      const dom = await capturePage(html, png, { width: 1000, height: 800 });
      await keep(png);
      const plotted = Number(/data-plotted="(\d+)"/.exec(dom)?.[1] ?? 0);
      assert(plotted >= 2, `figures drawn: ${plotted}`);
      assert(!dom.includes("data-plot-error"));
      const image = decodePng(await Deno.readFile(png));
      const background = pixelAt(image, 2, 2);
      const { far, total } = countPixels(image, background, {
        region: PLOT_REGION,
      });
      assert(
        far >= total * 0.05,
        `the first chart's area is blank: ${far} of ${total} pixels differ`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
