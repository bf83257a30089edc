/**
 * Seeds 000 and 002 as a user runs them: every command line of the seeds,
 * as written, with only `python cmd/main.py` (or the `docker run ...`
 * prefix) replaced by our CLI — the deno task of the command, with exactly
 * its permission flags — and the shell variables filled in, against a real
 * Prometheus fed by `simulate` (OpenMetrics backfilled with promtool).
 * Each command must succeed and write what the seed says it writes.
 *
 * The command lines are kept verbatim in `test/testdata/seed_commands.json`
 * (our fixture, always there). One more test checks that fixture against the
 * seed files themselves: in `$KEPLER_SEEDS_DIR` if set (it must then hold
 * them), else in the `shared/seeds` folder beside the repository (read-only
 * reference material that developers and CI have). With neither, as in a
 * user's clone, that one test is ignored and its name says so.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { requireTool, startPrometheus } from "./_prometheus.ts";
import { type CliResult, ROOT, runTask } from "./_cli.ts";
import { testdata } from "./testdata.ts";
import { openMetrics, simulate } from "../lib/simulate/mod.ts";
import { parseCsv, readZipFile } from "../lib/io/mod.ts";

const tools = requireTool(["prometheus", "promtool"]);

/** One seed's command lines in `seed_commands.json`. */
interface SeedCommands {
  /** The seed file's name (in the seeds folder). */
  file: string;
  /** Its command lines, verbatim. */
  commands: string[];
}

const FIXTURE = testdata("seed_commands.json");
const SEED_COMMANDS = JSON.parse(Deno.readTextFileSync(FIXTURE)).seeds as {
  "000": SeedCommands;
  "002": SeedCommands;
};
/** Seed 000 (manual metric collection, training and export), verbatim. */
const SEED_000: readonly string[] = SEED_COMMANDS["000"].commands;
/** Seed 002 (the docker entrypoint), verbatim. */
const SEED_002: readonly string[] = SEED_COMMANDS["002"].commands;

/** Where the seed files are, and whether a missing folder is an error. */
const SEEDS_ENV = Deno.env.get("KEPLER_SEEDS_DIR");
const SEEDS = SEEDS_ENV ?? join(ROOT, "..", "shared", "seeds");
const haveSeeds = SEEDS_ENV !== undefined ||
  await Deno.stat(SEEDS).then((s) => s.isDirectory, () => false);

/** Splits a shell command line into words (double quotes, no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:"[^"]*"|[^\s"])+/g)) {
    out.push(m[0].replaceAll('"', ""));
  }
  return out;
}

/**
 * Runs one seed line with our CLI: variables filled in, leading `K=V`
 * assignments as the environment, the `python cmd/main.py` or
 * `docker run ... kepler-model-server:v0.6` prefix replaced by the deno task
 * of the command. Docker's `-v "$(pwd)":/data` is DATAPATH = the workspace;
 * `--network=host` / `host.docker.internal` reach the host's Prometheus,
 * which is the harness (PROM_SERVER, and the `-s` value).
 */
async function runSeedLine(
  line: string,
  vars: Record<string, string>,
  workspace: string,
  promUrl: string,
): Promise<{ command: string; args: string[]; result: CliResult }> {
  let filled = line.replaceAll("/path/to/workspace", workspace);
  for (const [k, v] of Object.entries(vars)) {
    filled = filled.replaceAll(`$${k}`, v);
  }
  filled = filled.replaceAll("$(pwd)", workspace); // run from the workspace
  filled = filled.replaceAll("http://host.docker.internal:9090", promUrl);
  assert(!filled.includes("$"), `unfilled variable in ${filled}`);
  const env: Record<string, string> = {};
  let rest = words(filled);
  while (rest[0] !== undefined && /^[A-Z_]+=/.test(rest[0])) {
    const [k, ...v] = rest[0].split("=");
    env[k!] = v.join("=");
    rest = rest.slice(1);
  }
  if (rest[0] === "python" && rest[1] === "cmd/main.py") {
    rest = rest.slice(2);
  } else if (rest[0] === "docker" && rest[1] === "run") {
    const image = rest.findIndex((w) =>
      w.startsWith("quay.io/sustainable_computing_io/kepler-model-server")
    );
    assert(image > 0, line);
    assert(rest.includes(`${workspace}:/data`), line);
    env.DATAPATH = workspace;
    env.PROM_SERVER = promUrl; // --network=host: the host's Prometheus
    rest = rest.slice(image + 1);
  } else {
    throw new TypeError(`Not a seed command line: ${line}`);
  }
  const [command, ...args] = rest;
  const result = await runTask(command!, args, { env, cwd: workspace });
  assertEquals(
    result.code,
    0,
    `${command} ${args.join(" ")} failed:\n${result.stderr}\n${result.stdout}`,
  );
  return { command: command!, args, result };
}

const isFile = (p: string) => Deno.stat(p).then((s) => s.isFile, () => false);
const readJson = async (p: string) => JSON.parse(await Deno.readTextFile(p));

async function withPrometheus(
  fn: (
    url: string,
    workspace: string,
    sim: ReturnType<typeof simulate>,
  ) => Promise<void>,
): Promise<void> {
  // 15 minutes ending now, so that "the last N seconds" finds data.
  const sim = simulate({ duration: 900, containers: 6, seed: 7 });
  await using prom = await startPrometheus({ openMetrics: openMetrics(sim) });
  const workspace = await Deno.makeTempDir({ prefix: "kepler-seed-" });
  try {
    await fn(prom.url, workspace, sim);
  } finally {
    await Deno.remove(workspace, { recursive: true });
  }
}

Deno.test("seed_commands.json holds 5 lines of seed 000 and 4 of seed 002, each a seed command line", () => {
  assertEquals([SEED_000.length, SEED_002.length], [5, 4]);
  for (const line of SEED_000) {
    assert(
      /^DATAPATH=\S+ (MODEL_PATH=\S+ )?python cmd\/main\.py /.test(line),
      line,
    );
  }
  for (const line of SEED_002) assert(line.startsWith("docker run "), line);
});

Deno.test({
  name:
    "seed_commands.json is every command line of the seed files, verbatim (ignored when KEPLER_SEEDS_DIR is unset and no shared/seeds folder is beside the repository)",
  ignore: !haveSeeds,
  async fn() {
    const seedText = async (seed: SeedCommands) =>
      await Deno.readTextFile(join(SEEDS, seed.file));
    const seed000 = await seedText(SEED_COMMANDS["000"]);
    const seed002 = await seedText(SEED_COMMANDS["002"]);
    for (const line of SEED_000) assert(seed000.includes(line), line);
    for (const line of SEED_002) assert(seed002.includes(line), line);
    // Every command line of the seeds is here.
    const commands = (text: string) =>
      text.split("\n").map((l) => l.trim()).filter((l) =>
        / python cmd\/main\.py |^docker run /.test(l)
      );
    assertEquals(commands(seed000), SEED_000.map((l) => l.trim()));
    assertEquals(commands(seed002), [...SEED_002]);
  },
});

Deno.test({
  name:
    "seed 000: query (both time options), train, export (both collect-date options) against a real Prometheus",
  ignore: tools.ignore,
  fn: () =>
    withPrometheus(async (url, ws, sim) => {
      const start = new Date(sim.metadata.start * 1000).toISOString()
        .replace(/\.\d{3}Z$/, "Z");
      const end = new Date(sim.metadata.end * 1000).toISOString().replace(
        /\.\d{3}Z$/,
        "Z",
      );
      const vars = {
        BENCHMARK: "stressng",
        PROM_URL: url,
        COLLECT_ID: "m5.metal-test",
        START_TIME: start,
        END_TIME: end,
        INTERVAL: "900",
        PIPELINE_NAME: "sim-0.7.11",
        EXPORT_PATH: join(ws, "kepler-model-db", "models"),
        PUBLISHER: "sim-publisher",
        COLLECT_DATE: "2024-07-25T21:05:43Z",
      };
      const run = (i: number) => runSeedLine(SEED_000[i]!, vars, ws, url);

      // 1.1 query by start and end time: kepler_query.json, <id>.json, <benchmark>.json.
      await run(0);
      const spec = join(ws, "machine_spec", "m5.metal-test.json");
      for (const f of ["kepler_query.json", "stressng.json"]) {
        assert(await isFile(join(ws, f)), f);
      }
      assert(await isFile(spec), spec);
      assertEquals(await readJson(join(ws, "stressng.json")), {
        startTimeUTC: start,
        endTimeUTC: end,
      });
      const q1 = await readJson(join(ws, "kepler_query.json"));
      assert(q1.kepler_node_package_joules_total.length > 0);
      assert(q1.kepler_container_bpf_cpu_time_ms_total.length >= 6);

      // 1.2 query the last interval: the seed's other time option, run on its own
      // (without 1.1's benchmark file, which our query would read its window from).
      await Deno.remove(join(ws, "stressng.json"));
      const before = Math.floor(Date.now() / 1000);
      await run(1);
      assert(await isFile(join(ws, "kepler_query.json")));
      const window = await readJson(join(ws, "stressng.json"));
      const t = (s: string) => Date.parse(s) / 1000;
      assertEquals(t(window.endTimeUTC) - t(window.startTimeUTC), 900);
      assert(t(window.endTimeUTC) >= before - 1, window.endTimeUTC);

      // 2. train.
      await run(2);
      const p = join(ws, "sim-0.7.11");
      for (
        const f of [
          "metadata.json",
          "train_arguments.json",
          "node_type_index.json",
          "rapl-sysfs_AbsPower_model_metadata.csv",
          "rapl-sysfs_DynPower_model_metadata.csv",
        ]
      ) assert(await isFile(join(p, f)), f);
      assert(await isFile(join(ws, "sim-0.7.11.zip")));
      const index = await readJson(join(p, "node_type_index.json"));
      assertEquals(index["0"].members, ["m5.metal-test"]);

      // 3.1 export, collect date from the benchmark file.
      const out = await run(3);
      assert(
        /Exported \d+ of \d+ models/.test(out.result.stdout),
        out.result.stdout,
      );
      const v = join(vars.EXPORT_PATH, "v0.7");
      const e = join(v, "sim-0.7.11");
      for (
        const f of [
          "README.md",
          "metadata.json",
          "node_type_index.json",
          "error_report/node_type_0.md",
          "figures.html",
        ]
      ) assert(await isFile(join(e, f)), f);
      assert(await isFile(join(v, "README.md")));
      assert(await isFile(join(v, ".doc", "sim-0.7.11.md")));
      assert(await isFile(join(v, "sim-0.7.11.zip")));
      const meta = await readJson(join(e, "metadata.json"));
      // The collect time is the benchmark window's start.
      assertEquals(
        meta.collect_time,
        window.startTimeUTC.replace("T", " ").replace("Z", ""),
      );
      assertEquals(meta.publisher, "sim-publisher");
      // The archived models: the exported rows all have their zip.
      const csv = parseCsv(
        await Deno.readTextFile(
          join(e, "rapl-sysfs_AbsPower_model_metadata.csv"),
        ),
      );
      assert(csv.rows.length > 0, "no model passed the thresholds");
      const at = (c: string) => csv.header.indexOf(c);
      for (const r of csv.rows) {
        const mae = Number(r[at("mae")]), mape = Number(r[at("mape")]);
        assert(mae <= 10 || (mape >= 0 && mape <= 20), r.join());
        assert(
          await isFile(
            join(
              e,
              "rapl-sysfs/AbsPower",
              r[at("feature_group")]!,
              `${r[at("model_name")]}.zip`,
            ),
          ),
        );
      }
      const zip = await readZipFile(join(v, "sim-0.7.11.zip"));
      assert("README.md" in zip && "metadata.json" in zip);

      // 3.2 export with a collect date given by hand.
      await run(4);
      const meta2 = await readJson(join(e, "metadata.json"));
      assertEquals(meta2.collect_time, "2024-07-25 21:05:43");
      const rows = (await Deno.readTextFile(join(v, "README.md"))).split("\n")
        .filter((l) => l.startsWith("[sim-0.7.11]"));
      assertEquals(rows.length, 1);
      assert(rows[0]!.includes("|2024-07-25 21:05:43|"), rows[0]);
    }),
});

Deno.test({
  name:
    "seed 002: docker query (both), train -i output.json, estimate -i output.json against a real Prometheus",
  ignore: tools.ignore,
  fn: () =>
    withPrometheus(async (url, ws) => {
      const run = (i: number) => runSeedLine(SEED_002[i]!, {}, ws, url);
      // query: output.json (the last PROM_QUERY_INTERVAL = 300 s).
      await run(0);
      const q = await readJson(join(ws, "output.json"));
      assert(q.kepler_node_package_joules_total.length > 0);
      await Deno.remove(join(ws, "output.json"));
      await run(1);
      assert(await isFile(join(ws, "output.json")));

      // train -i output.json: pipeline `default` and default.zip, the seed's tree.
      await run(2);
      const p = join(ws, "default");
      assert(await isFile(join(ws, "default.zip")));
      for (
        const f of [
          "metadata.json",
          "train_arguments.json",
          "rapl-sysfs_AbsPower_model_metadata.csv",
          "rapl-sysfs_DynPower_model_metadata.csv",
        ]
      ) assert(await isFile(join(p, f)), f);
      const pre: string[] = [];
      for await (const e of Deno.readDir(join(p, "preprocessed_data"))) {
        pre.push(e.name);
      }
      assert(pre.some((n) => n.startsWith("preprocess_abs_")), pre.join());
      assert(pre.some((n) => n.startsWith("preprocess_dyn_")), pre.join());
      const sgd = join(p, "rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0");
      assert(await isFile(join(sgd, "metadata.json")));
      assert(await isFile(join(sgd, "weight.json")));
      assert(await isFile(`${sgd}.zip`));

      // estimate -i output.json: output/estimation_result.csv and output/model.zip.
      const est = await run(3);
      assert(
        /best: \S+ \(\w+, pipeline default\): max-over-components MAE/.test(
          est.result.stdout,
        ),
        est.result.stdout,
      );
      assert(/interval coverage/.test(est.result.stdout));
      const csv = parseCsv(
        await Deno.readTextFile(join(ws, "output", "estimation_result.csv")),
      );
      for (
        const c of [
          "timestamp",
          "package_power",
          "node_type",
          "default_package_power",
        ]
      ) {
        assert(csv.header.includes(c), c);
      }
      assert(csv.rows.length > 50, `${csv.rows.length} rows`);
      const model = await readZipFile(join(ws, "output", "model.zip"));
      assert("metadata.json" in model, Object.keys(model).join());
    }),
});
