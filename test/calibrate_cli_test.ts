/**
 * `calibrate` and `simulate --drift` on bad input: one clear line on
 * stderr, a usage exit code, no stack trace.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { runTask } from "./_cli.ts";
import { freePort } from "./_prometheus.ts";

for (
  const [task, args, message] of [
    [
      "calibrate",
      ["--max-error", "abc"],
      '"abc" is not an error bound: expected watts (e.g. 2 or 2W) or a percentage (e.g. 5%)',
    ],
    [
      "calibrate",
      ["--model-server", "kepler-model-server:8100"],
      '--model-server must be an http(s) URL, got "kepler-model-server:8100"',
    ],
    ["simulate", ["-o", "x", "--drift", "10:2"], "--drift needs --serve"],
    [
      "simulate",
      ["--serve", "127.0.0.1:0", "--drift", "10"],
      '"10" is not a drift: expected AT:FACTOR',
    ],
    [
      "simulate",
      ["--serve", "127.0.0.1:0", "--drift", "10:gpu"],
      "or AT:KIND (a new workload class, one of cpu, branch,",
    ],
  ] as const
) {
  Deno.test(`\`${task} ${args.join(" ")}\` fails with one line`, async () => {
    const r = await runTask(task, [...args]);
    assertEquals(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    assert(lines[0]!.includes(message), r.stderr);
    assert(!r.stderr.includes("    at "), r.stderr);
  });
}

Deno.test("`calibrate --model-server` on a closed port: the cycle is skipped, logged and counted, and calibrate exits 0", async () => {
  const models = await Deno.makeTempDir();
  try {
    const down = `http://127.0.0.1:${freePort()}`;
    const r = await runTask("calibrate", [
      "--period",
      "0.5",
      "--cycles",
      "2",
      "--metrics-port",
      "0",
      "--model-server",
      down,
    ], { env: { MODEL_PATH: models, PROM_SERVER: down } });
    assertEquals(r.code, 0, r.stderr);
    const decisions = (await Deno.readTextFile(
      `${models}/.calibrate/decisions.jsonl`,
    )).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(decisions.map((d) => d.action), ["skip", "skip"]);
    for (const d of decisions) {
      assert(
        d.reason.startsWith(
          `cannot reach the model server: no answer from ${down}/best-models?`,
        ),
        d.reason,
      );
    }
    assertEquals(
      r.stderr.match(/skipped \(cannot reach the model server/g)?.length,
      2,
      r.stderr,
    );
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("`calibrate` removes the staging folders a killed run left, with a note", async () => {
  const models = await Deno.makeTempDir();
  try {
    const left = `${models}/.calibrate/staging-38`;
    await Deno.mkdir(`${left}/calibrated`, { recursive: true });
    await Deno.writeTextFile(`${left}/calibrated/metadata.json`, "{}");
    const down = `http://127.0.0.1:${freePort()}`;
    const r = await runTask("calibrate", [
      ...["--period", "0.5", "--cycles", "1", "--metrics-port", "0"],
    ], { env: { MODEL_PATH: models, PROM_SERVER: down } });
    assertEquals(r.code, 0, r.stderr);
    assert(
      r.stderr.includes(
        `note: removed ${left}, a candidate a stopped run left`,
      ),
      r.stderr,
    );
    assertEquals(
      await Deno.stat(left).then(() => true, () => false),
      false,
    );
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});
