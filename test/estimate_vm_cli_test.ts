/**
 * `kepler-model estimate --vm` as a user runs it: simulate a VM host,
 * train a VM pipeline on some VM sizes, estimate a VM of a size not
 * trained on from its guest's view alone, and compare with the simulator's
 * ground truth per VM (`<name>_vm_truth.csv`) and with the host's
 * attribution; bad input as one line on stderr.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { parseCsv } from "../lib/io/csv.ts";
import { runCli } from "./_cli.ts";

const FLAGS = ["--allow-read", "--allow-write", "--allow-env"];
/** The simulator's noise (`simulate`'s default, W). */
const NOISE = 2;

/** Rows of a CSV as records. */
async function records(path: string): Promise<Record<string, string>[]> {
  const { header, rows } = parseCsv(await Deno.readTextFile(path));
  return rows.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j]!])));
}

Deno.test("`kepler-model estimate --vm` estimates a VM of an untrained size within 2 × the noise of the truth", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_vmestimate_cli_" });
  const env = { DATAPATH: join(dir, "data"), MODEL_PATH: join(dir, "models") };
  const cli = (args: string[]) => runCli(FLAGS, args, { env });
  try {
    // 2, 4 and 8 vCPUs trained; x (6 vCPUs) never seen in training
    const sim = await cli([
      "simulate",
      "-o",
      "v",
      "--vms",
      "a=2:4,b=2:4,c=4:8,d=4:8,e=8:16,f=8:16,x=6:12",
      "--duration",
      "900",
      "--start-time",
      "1700000001",
      "--noise",
      String(NOISE),
    ]);
    assertEquals(sim.code, 0, sim.stderr);
    const train = await cli([
      "train",
      "--vm-train",
      "-i",
      "v_host",
      "--vm-input",
      "v_vm_a,v_vm_b,v_vm_c,v_vm_d,v_vm_e,v_vm_f",
      "-p",
      "vmp",
      "--abs-trainers",
      "LinearRegressionTrainer",
    ]);
    assertEquals(train.code, 0, train.stderr);
    const meta = JSON.parse(
      await Deno.readTextFile(join(env.MODEL_PATH, "vmp", "metadata.json")),
    );
    assertMatch(meta.vm_normalization, /^(per-vcpu|size-feature|none)$/);

    const run = await cli([
      "estimate",
      "--vm",
      "-i",
      "v_vm_x,v_vm_a",
      "-p",
      "vmp",
      "--vm-host",
      "v_host",
    ]);
    assertEquals(run.code, 0, run.stderr);
    // 6 vCPUs / 12 GiB is closest to 8 / 16 (upstream's similarity)
    assertMatch(
      run.stdout,
      new RegExp(
        `x \\(6 vCPUs\\): LinearRegressionTrainer_2, the 8-vCPU size \\(similarity 0\\.\\d+\\), normalization ${meta.vm_normalization}`,
      ),
    );
    assertMatch(
      run.stdout,
      /a \(2 vCPUs\): LinearRegressionTrainer_0, the 2-vCPU size \(similarity 1\.000\)/,
    );
    const estimated = await records(
      join(env.DATAPATH, "output", "vm_estimation_result.csv"),
    );
    const truth = new Map(
      (await records(join(env.DATAPATH, "v_vm_truth.csv"))).map((
        r,
      ) => [`${r.vm}@${Number(r.timestamp)}`, r]),
    );
    const components = ["package", "core", "uncore", "dram"];
    for (const vm of ["x", "a"]) {
      const mine = estimated.filter((r) => r.vm === vm);
      assert(mine.length > 250, `${vm}: ${mine.length} rows`);
      for (const c of components) {
        let err = 0;
        for (const r of mine) {
          const t = truth.get(`${vm}@${Number(r.timestamp)}`);
          assert(t !== undefined, `${vm} ${r.timestamp} has no truth row`);
          err += Math.abs(Number(r[`${c}_power`]) - Number(t[`${c}_power`]));
          // the host's attribution read back is what the host's counters say
          assert(
            Math.abs(
              Number(r[`${c}_host_power`]) - Number(t[`${c}_measured_power`]),
            ) < 0.01,
            `${vm} ${c} ${r.timestamp}`,
          );
        }
        const mae = err / mine.length;
        assert(mae <= 2 * NOISE, `${vm} ${c}: MAE ${mae} W against the truth`);
      }
    }

    // the guest's view alone gives the same estimate
    const alone = await cli([
      "estimate",
      "--vm",
      "-i",
      "v_vm_x",
      "-p",
      "vmp",
      "-o",
      "alone",
    ]);
    assertEquals(alone.code, 0, alone.stderr);
    const solo = await records(
      join(env.DATAPATH, "alone", "vm_estimation_result.csv"),
    );
    const withHost = estimated.filter((r) => r.vm === "x");
    assertEquals(solo.length, withHost.length);
    assertEquals(
      solo.map((r) => [r.timestamp, r.package_power]),
      withHost.map((r) => [r.timestamp, r.package_power]),
    );
    assert(!("package_host_power" in solo[0]!));

    // the host's query given as the guest's: one line, not watts
    const host = await cli([
      ...["estimate", "--vm", "-i", "v_host", "-p", "vmp", "-o", "host"],
      ...["--vm-spec", "8:16"],
    ]);
    assertEquals(host.code, 1, host.stderr);
    assertMatch(
      host.stderr,
      /^kepler-model: error: Cannot read the VM's usage: \S+v_host\.json is a VM host's query \(it has kepler_vm_\w+\), not a guest's: give the guest Kepler's query, and the host's as --vm-host\n$/,
    );

    // --vm-spec overrides the spec file: as a 2-vCPU VM, the 2-vCPU size
    const small = await cli([
      "estimate",
      "--vm",
      "-i",
      "v_vm_x",
      "-p",
      "vmp",
      "--vm-spec",
      "2:4",
    ]);
    assertEquals(small.code, 0, small.stderr);
    assertMatch(small.stdout, /x \(2 vCPUs\): LinearRegressionTrainer_0/);

    // bad input: one line on stderr, exit 1 (run time) or 2 (usage)
    const node = join(env.MODEL_PATH, "node");
    await Deno.mkdir(node, { recursive: true });
    await Deno.writeTextFile(
      join(node, "metadata.json"),
      JSON.stringify({
        name: "node",
        extractor: "default",
        isolator: "min",
        metric_type: "bm_metrics",
      }),
    );
    // a guest's query without a spec file
    await Deno.copyFile(
      join(env.DATAPATH, "v_vm_x.json"),
      join(env.DATAPATH, "y.json"),
    );
    for (
      const [args, code, message] of [
        [
          ["-i", "v_vm_x", "-p", "node"],
          1,
          /pipeline node: it is not a VM pipeline/,
        ],
        [
          ["-i", "v_vm_x", "-p", "vmp", "-e", "acpi"],
          1,
          /vmp: it has no VM model for acpi AbsPower/,
        ],
        [["-i", "v_vm_x"], 2, /--vm needs a VM pipeline as -p/],
        [["-p", "vmp"], 2, /--vm needs the guests' queries as -i/],
        [
          ["-i", "v_vm_x", "-p", "vmp", "--vm-spec", "six"],
          2,
          /Invalid --vm-spec "six"/,
        ],
        [["-i", "y", "-p", "vmp"], 2, /Cannot read the spec of VM y/],
        [["-i", "nope", "-p", "vmp"], 1, /nope/],
        // "-" first: without --vm
        [
          ["-", "-i", "v_vm_x", "-p", "vmp"],
          1,
          /pipeline vmp: it is a VM pipeline \(train --vm-train\); estimate a VM with estimate --vm/,
        ],
        [
          ["-", "-i", "v_vm_x", "--vm-host", "v_host"],
          2,
          /--vm-host and --vm-spec need --vm/,
        ],
      ] as [string[], number, RegExp][]
    ) {
      const bad = await cli([
        "estimate",
        ...(args[0] === "-" ? args.slice(1) : ["--vm", ...args]),
      ]);
      assertEquals(bad.code, code, `${args.join(" ")}: ${bad.stderr}`);
      assertMatch(bad.stderr, message);
      assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    }

    const help = await cli(["estimate", "--help"]);
    assertEquals(help.code, 0);
    for (
      const f of ["--vm ", "--vm-host <name>", "--vm-spec <vcpus:memoryGiB>"]
    ) {
      assert(help.stdout.includes(f), f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
