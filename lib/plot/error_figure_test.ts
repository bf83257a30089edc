import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { errorFigure } from "./error_figure.ts";
import { metadataFigure } from "./metadata_figure.ts";
import type { ModelSummaryRow } from "./model_summary.ts";

const row = (
  trainer: string,
  feature_group: string,
  mae: number,
  mape: number,
  node_type = 0,
  extra: Record<string, number> = {},
): ModelSummaryRow => ({
  model_name: `${trainer}_${node_type}`,
  trainer,
  feature_group,
  mae,
  mape,
  node_type,
  ...extra,
});

const ROWS = [
  row("SGDRegressorTrainer", "BPFOnly", 3, 6, 0, {
    package_mae: 3,
    dram_mae: 1,
  }),
  row("LinearRegressionTrainer", "BPFOnly", 5, -1, 0, { package_mae: 5 }),
  row("SGDRegressorTrainer", "MyGroup", 4, 8, 0, {
    package_mae: 4,
    dram_mae: 2,
  }),
  row("SGDRegressorTrainer", "CounterOnly", 2, 4, 0, {
    package_mae: 2,
    dram_mae: 0.5,
  }),
];

Deno.test("`errorFigure()` draws MAE and MAPE bars by feature group and trainer", () => {
  const fig = errorFigure(ROWS);
  assertEquals(fig.data.map((t) => [t.name, t.yaxis, t.x, t.y]), [
    // trainers in vocabulary order; groups in vocabulary order, unknown last
    ["LinearRegressionTrainer", "y", ["BPFOnly"], [5]],
    ["SGDRegressorTrainer", "y", ["CounterOnly", "BPFOnly", "MyGroup"], [
      2,
      3,
      4,
    ]],
    ["LinearRegressionTrainer", "y2", ["BPFOnly"], [null]], // MAPE −1: no bar
    ["SGDRegressorTrainer", "y2", ["CounterOnly", "BPFOnly", "MyGroup"], [
      4,
      6,
      8,
    ]],
  ]);
  assertEquals(
    (fig.layout.xaxis as { categoryarray: string[] }).categoryarray,
    ["CounterOnly", "BPFOnly", "MyGroup"],
  );
  assertEquals(fig.data.map((t) => t.showlegend), [true, true, false, false]);
  // the same trainer has the same colour in both subplots: SGDRegressorTrainer
  // is TRAINERS[6], the 7th Tableau colour
  const color = (i: number) => (fig.data[i]!.marker as { color: string }).color;
  assertEquals([color(1), color(3)], ["#b07aa1", "#b07aa1"]);
  const yTitle = (k: string) =>
    (fig.layout[k] as { title: { text: string } }).title.text;
  assertEquals([yTitle("yaxis"), yTitle("yaxis2")], ["MAE (W)", "MAPE (%)"]);
  assertEquals(fig.layout.barmode, "group");
});

Deno.test("`errorFigure()` notes when no MAPE is defined", () => {
  const fig = errorFigure([row("SGDRegressorTrainer", "BPFOnly", 3, -1)]);
  assertEquals(
    (fig.layout.annotations as { text: string }[]).map((a) => a.text).at(-1),
    "MAPE is undefined for every model (−1)",
  );
});

Deno.test("`errorFigure()` separates node types by model and filters them", () => {
  const rows = [
    row("SGDRegressorTrainer", "BPFOnly", 3, 6, 1),
    row("SGDRegressorTrainer", "BPFOnly", 2, 5, 0),
  ];
  const fig = errorFigure(rows);
  const mae = fig.data.filter((t) => t.yaxis === "y");
  assertEquals(mae.map((t) => [t.name, t.y]), [
    ["SGDRegressorTrainer_0", [2]],
    ["SGDRegressorTrainer_1", [3]],
  ]);
  // one colour for the trainer, a hatch pattern for the second node type
  assertEquals(mae.map((t) => t.marker), [
    { color: "#b07aa1", line: { color: "#333333", width: 0.5 } },
    {
      color: "#b07aa1",
      line: { color: "#333333", width: 0.5 },
      pattern: {
        shape: "/",
        bgcolor: "#b07aa1",
        fgcolor: "#222222",
        fgopacity: 0.6,
      },
    },
  ]);
  const only1 = errorFigure(rows, { nodeType: 1 });
  assertEquals(only1.data.map((t) => [t.name, t.y]), [
    ["SGDRegressorTrainer", [3]],
    ["SGDRegressorTrainer", [6]],
  ]);
  assertThrows(
    () => errorFigure(rows, { nodeType: 7 }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot plot model errors: no summary rows of node type 7 (got 2 rows)",
  );
});

Deno.test("`metadataFigure()` draws each component's MAE", () => {
  const fig = metadataFigure(ROWS, { title: "rapl-sysfs AbsPower" });
  assertEquals(fig.data.map((t) => [t.name, t.yaxis, t.y]), [
    ["LinearRegressionTrainer", "y", [5]],
    ["SGDRegressorTrainer", "y", [2, 3, 4]],
    ["LinearRegressionTrainer", "y2", [null]], // no dram_mae column value
    ["SGDRegressorTrainer", "y2", [0.5, 1, 2]],
  ]);
  assertEquals(
    (fig.layout.annotations as { text: string }[]).map((a) => a.text),
    ["package", "dram"],
  );
  assertEquals(fig.layout.title.text, "rapl-sysfs AbsPower");
  // colours match errorFigure's for the same trainer
  assertEquals((fig.data[1]!.marker as { color: string }).color, "#b07aa1");
});

Deno.test("`metadataFigure()` falls back to the overall MAE", () => {
  const fig = metadataFigure([row("SGDRegressorTrainer", "BPFOnly", 3, 6)]);
  assertEquals(fig.data.map((t) => t.y), [[3]]);
  assertEquals(
    (fig.layout.annotations as { text: string }[]).map((a) => a.text),
    ["all components (max MAE)"],
  );
  assertThrows(() => metadataFigure([]), RangeError);
});
