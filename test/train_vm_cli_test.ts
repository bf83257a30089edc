/**
 * `kepler-model train --vm-train` as a user runs it: simulate a VM host,
 * train a VM pipeline from the host's and the guests' queries, and bad
 * input as one line on stderr.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./_cli.ts";

const FLAGS = ["--allow-read", "--allow-write", "--allow-env"];

Deno.test("`kepler-model train --vm-train` trains a VM pipeline from simulate --vms output", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_vmtrain_cli_" });
  const env = { DATAPATH: join(dir, "data"), MODEL_PATH: join(dir, "models") };
  try {
    const sim = await runCli(FLAGS, [
      "simulate",
      "-o",
      "vms",
      "--vms",
      "a=2:4,b=2:4,c=4:8,d=4:8",
      "--duration",
      "600",
      "--start-time",
      "1700000001",
    ], { env });
    assertEquals(sim.code, 0, sim.stderr);
    const { code, stdout, stderr } = await runCli(FLAGS, [
      "train",
      "--vm-train",
      "-i",
      "vms_host",
      "--vm-input",
      "vms_vm_a,vms_vm_b,vms_vm_c,vms_vm_d",
      "-p",
      "vmp",
      "--abs-trainers",
      "LinearRegressionTrainer",
    ], { env });
    assertEquals(code, 0, stderr);
    assertMatch(
      stdout,
      /4 models for VM sizes 2, 4 vCPUs; normalization (per-vcpu|size-feature|none); held-out VM MAE package \d+\.\d\d W/,
    );
    const p = join(env.MODEL_PATH, "vmp");
    const meta = JSON.parse(await Deno.readTextFile(join(p, "metadata.json")));
    assertEquals([meta.metric_type, meta.vm], ["vm_metrics", true]);
    const index = JSON.parse(
      await Deno.readTextFile(join(p, "node_type_index.json")),
    );
    assertEquals(
      [index["0"].attrs.cores, index["1"].attrs.cores, index["1"].members],
      [2, 4, ["c", "d"]],
    );
    const cv = JSON.parse(
      await Deno.readTextFile(join(p, "vm_cross_validation.json")),
    );
    assertEquals(cv.candidates.map((c: { vms: unknown[] }) => c.vms.length), [
      4,
      4,
      4,
    ]);
    await Deno.stat(
      join(
        p,
        "rapl-sysfs/AbsPower/BPFOnly/LinearRegressionTrainer_1/weight.json",
      ),
    );
    // bad input: one line on stderr, non-zero exit
    for (
      const [args, message] of [
        [["--vm-input", "vms_vm_a"], /needs the host's query as -i/],
        [["-i", "vms_host"], /needs the guests' queries as --vm-input/],
        [
          [
            "-i",
            "vms_host",
            "--vm-input",
            "vms_vm_a",
            "--vm-normalization",
            "x",
          ],
          /Unknown VM normalization "x"/,
        ],
        [["-i", "vms_host", "--vm-input", "nope"], /nope/],
      ] as [string[], RegExp][]
    ) {
      const bad = await runCli(FLAGS, ["train", "--vm-train", ...args], {
        env,
      });
      assert(bad.code !== 0, args.join(" "));
      assertMatch(bad.stderr, message);
      assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
