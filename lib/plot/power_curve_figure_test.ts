import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { powerCurveFigure } from "./power_curve_figure.ts";

Deno.test("`powerCurveFigure()` sweeps each model over [0, max], sorted by node type", () => {
  const calls: number[] = [];
  const fig = powerCurveFigure([
    {
      nodeType: 2,
      model: "LogisticRegressionTrainer_2",
      max: 3,
      predict: (x) => 10 * x,
    },
    {
      nodeType: 0,
      model: "SGDRegressorTrainer_0",
      max: 0.3,
      predict: (x) => {
        calls.push(x);
        return 100 + x;
      },
    },
  ], { samples: 4, feature: "cpu_instructions" });
  assertEquals(calls, [0, 0.1, 0.2, 0.3]); // no 0.30000000000000004
  assertEquals(fig.data.map((t) => [t.name, t.x, t.y]), [
    ["node type 0: SGDRegressorTrainer_0", [0, 0.1, 0.2, 0.3], [
      100,
      100.1,
      100.2,
      100.3,
    ]],
    ["node type 2: LogisticRegressionTrainer_2", [0, 1, 2, 3], [0, 10, 20, 30]],
  ]);
  // distinct colour and marker per curve
  assertEquals(fig.data.map((t) => t.marker), [
    { color: "#4e79a7", symbol: "circle", size: 7 },
    { color: "#f28e2b", symbol: "square", size: 7 },
  ]);
  const title = (k: string) =>
    (fig.layout[k] as { title: { text: string } }).title.text;
  assertEquals([title("xaxis"), title("yaxis")], [
    "cpu_instructions (instructions/s)",
    "predicted power (W)",
  ]);
});

Deno.test("`powerCurveFigure()` defaults to upstream's 21 points of bpf_cpu_time_ms", () => {
  const fig = powerCurveFigure([
    { nodeType: 0, model: "M_0", max: 20, predict: (x) => x },
  ]);
  assertEquals(fig.data[0]!.x, Array.from({ length: 21 }, (_, i) => i));
  assertEquals(
    (fig.layout.xaxis as { title: { text: string } }).title.text,
    "bpf_cpu_time_ms (CPU ms/s)",
  );
});

Deno.test("`powerCurveFigure()` names the curve that cannot be drawn", () => {
  const curve = {
    nodeType: 1,
    model: "ExponentialRegressionTrainer_1",
    max: 10,
    predict: (x: number) => Math.exp(x * 100),
  };
  assertThrows(
    () => powerCurveFigure([curve], { samples: 2 }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot plot the power curve of ExponentialRegressionTrainer_1 (node type 1): predict(10) returned Infinity",
  );
  assertThrows(
    () => powerCurveFigure([{ ...curve, max: 0 }]),
    /max must be a positive number, got 0/,
  );
  assertThrows(
    () => powerCurveFigure([curve], { samples: 1 }),
    /samples must be an integer ≥ 2, got 1/,
  );
  assertThrows(() => powerCurveFigure([]), /no curves given/);
});
