/**
 * `plot` as a user runs it (the deno task's own permissions): every
 * --target-data writes self-contained HTML with plotly inlined and the
 * figures' data, and bad input is a clear error.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";

Deno.test("plot writes offline HTML for each --target-data", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-plot-" });
  try {
    const env = { DATAPATH: dir };
    const ok = async (task: string, args: string[]) => {
      const r = await runTask(task, args, { env });
      assertEquals(r.code, 0, `${task} ${args.join(" ")}: ${r.stderr}`);
      return r;
    };
    await ok("simulate", [
      "-o",
      "kq",
      "--duration",
      "600",
      "--containers",
      "3",
      "--id",
      "m1",
    ]);
    await ok("train", [
      "-i",
      "kq",
      "--id",
      "m1",
      "-p",
      "std",
      "--feature-group",
      "BPFOnly,Basic",
      "--abs-trainers",
      "SGDRegressorTrainer,GradientBoostingRegressorTrainer",
      "--dyn-trainers",
      "SGDRegressorTrainer",
    ]);
    await ok("estimate", ["-i", "kq", "-p", "std"]);
    const expected: Record<string, string[]> = {
      preprocess: [
        "preprocess_abs_default_rapl-sysfs_BPFOnly.html",
        "preprocess_dyn_default_floor_rapl-sysfs_Basic.html",
      ],
      estimate: ["rapl-sysfs_estimate.html"],
      error: [
        "rapl-sysfs_AbsPower_error.html",
        "rapl-sysfs_DynPower_error.html",
      ],
      metadata: ["rapl-sysfs_AbsPower_model_metadata.html"],
      power_curve: ["rapl-sysfs_AbsPower_power_curve.html"],
    };
    for (const [target, files] of Object.entries(expected)) {
      const r = await ok("plot", [
        "--target-data",
        target,
        "-p",
        "std",
        "-o",
        "plots",
      ]);
      for (const f of files) {
        assertMatch(r.stdout, new RegExp(f.replace(/\./g, "\\.")));
        const html = await Deno.readTextFile(join(dir, "plots", f));
        assert(html.includes("Plotly.newPlot"), `${f} calls Plotly.newPlot`);
        assert(
          html.length > 1_000_000,
          `${f} inlines plotly.js (${html.length} bytes)`,
        );
        assert(
          !/<script[^>]+src=/.test(html),
          `${f} loads nothing from the network`,
        );
      }
    }
    // The power curve of the SGD model starts at its intercept: the Kepler
    // weight file's Bias_Weight.
    const weight = JSON.parse(
      await Deno.readTextFile(
        join(
          dir,
          "std/rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0/weight.json",
        ),
      ),
    );
    const html = await Deno.readTextFile(
      join(dir, "plots", "rapl-sysfs_AbsPower_power_curve.html"),
    );
    const bias = weight.package.All_Weights.Bias_Weight as number;
    const starts = [...html.matchAll(/"y":\[(-?\d+(?:\.\d+)?)/g)].map((m) =>
      Number(m[1])
    );
    assert(
      starts.some((y) => Math.abs(y - bias) < 1e-6),
      `a curve starts at the bias ${bias}: ${starts}`,
    );

    const bad = await runTask("plot", ["--target-data", "bars"], { env });
    assertEquals(bad.code, 2);
    assertMatch(
      bad.stderr,
      /valid values are preprocess, estimate, error, metadata, power_curve/,
    );
    const missing = await runTask("plot", [
      "--target-data",
      "error",
      "-p",
      "nope",
    ], { env });
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /pipeline .*nope does not exist/);
    // Nothing to plot says what was looked for, and where.
    const nothing: [string[], RegExp][] = [
      [
        ["--target-data", "power_curve", "-p", "std", "-e", "acpi"],
        /Nothing to plot for --target-data power_curve: no BPFOnly model of acpi AbsPower, DynPower in \S+std has a weight\.json/,
      ],
      [
        ["--target-data", "preprocess", "-p", "std", "-fg", "CounterOnly"],
        /Nothing to plot for --target-data preprocess: no preprocessed data of rapl-sysfs AbsPower, DynPower CounterOnly in \S+preprocessed_data/,
      ],
    ];
    for (const [args, message] of nothing) {
      const r = await runTask("plot", args, { env });
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, message);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plot --target-data estimate -e rapl,acpi finds the plain estimation_result.csv by its columns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-plot-est-" });
  try {
    const env = { DATAPATH: dir };
    const ok = async (task: string, args: string[]) => {
      const r = await runTask(task, args, { env });
      assertEquals(r.code, 0, `${task} ${args.join(" ")}: ${r.stderr}`);
      return r;
    };
    await ok("simulate", [
      "-o",
      "kq",
      "--duration",
      "600",
      "--containers",
      "3",
      "--id",
      "m1",
    ]);
    await ok("train", [
      "-i",
      "kq",
      "--id",
      "m1",
      "-p",
      "std",
      "-e",
      "rapl,acpi",
      "--feature-group",
      "BPFOnly",
      "--abs-trainers",
      "SGDRegressorTrainer",
      "--dyn-trainers",
      "SGDRegressorTrainer",
    ]);
    // one source: estimate writes the plain output/estimation_result.csv
    await ok("estimate", ["-i", "kq", "-p", "std"]);
    const both = await ok("plot", [
      "--target-data",
      "estimate",
      "-e",
      "rapl,acpi",
    ]);
    assertMatch(both.stdout, /rapl-sysfs_estimate\.html/);
    assertMatch(
      both.stderr,
      /No estimation result for acpi in .*estimation_result\.csv holds package.* predictions \(rapl-sysfs/,
    );
    // an acpi estimate is never plotted as rapl-sysfs
    await ok("estimate", ["-i", "kq", "-p", "std", "-e", "acpi"]);
    const rapl = await runTask("plot", ["--target-data", "estimate"], { env });
    assertEquals(rapl.code, 1);
    assertMatch(
      rapl.stderr,
      /no estimation result for rapl-sysfs in .*holds platform predictions \(acpi, hmc, redfish\): run estimate -e rapl-sysfs first/,
    );
    const acpi = await ok("plot", [
      "--target-data",
      "estimate",
      "-e",
      "rapl,acpi",
    ]);
    assertMatch(acpi.stdout, /acpi_estimate\.html/);
    assert(!acpi.stdout.includes("rapl-sysfs_estimate.html"), acpi.stdout);
    // several sources: the prefixed files, newer than the plain one
    await ok("estimate", ["-i", "kq", "-p", "std", "-e", "rapl,acpi"]);
    const prefixed = await ok("plot", [
      "--target-data",
      "estimate",
      "-e",
      "rapl,acpi",
    ]);
    assertMatch(prefixed.stdout, /rapl-sysfs_estimate\.html/);
    assertMatch(prefixed.stdout, /acpi_estimate\.html/);
    assertEquals(prefixed.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
