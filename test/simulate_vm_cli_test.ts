/**
 * `kepler-model simulate --vms` as a user runs it: the host's and each
 * guest's query JSON and the truth per VM under DATAPATH, the same bytes
 * for the same seed, and bad VM specs as usage errors.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  notDeepStrictEqual as assertNotEquals,
} from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./_cli.ts";
import { parseCsv } from "../lib/io/mod.ts";
import { readQueryFile } from "../lib/extract/mod.ts";

const FLAGS = ["--allow-read", "--allow-write", "--allow-env"];

async function simulateVms(dir: string, name: string, extra: string[]) {
  return await runCli(FLAGS, [
    "simulate",
    "-o",
    name,
    "--vms",
    "web=4:16,db=2:8:background,spare=2:4:none",
    "--duration",
    "60",
    "--start-time",
    "1700000001",
    ...extra,
  ], { env: { DATAPATH: dir } });
}

Deno.test("`kepler-model simulate --vms` writes the host's and the guests' query JSON and the truth; same seed, same bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_vmsim_cli_" });
  try {
    for (const [name, seed] of [["a", "5"], ["b", "5"], ["c", "6"]]) {
      const { code, stdout, stderr } = await simulateVms(dir, name!, [
        "--seed",
        seed!,
        "--vm-job-name",
        "kvm",
      ]);
      assertEquals(code, 0, stderr);
      assertMatch(stdout, /running 3 VMs \(web 4 vCPU\/16 GiB stress, /);
      assertMatch(stdout, new RegExp(`seed ${seed}, .*guest job kvm`));
    }
    const files = (stem: string) => [
      `${stem}_host.json`,
      `${stem}_vm_web.json`,
      `${stem}_vm_db.json`,
      `${stem}_vm_spare.json`,
      `${stem}_vm_truth.csv`,
      `${stem}_host_truth.csv`,
      `${stem}_host_simulation.json`,
      `machine_spec/${stem}_host.json`,
      `machine_spec/${stem}_vm_web.json`,
    ];
    const read = (f: string) => Deno.readFile(join(dir, f));
    const [a, b, c] = [files("a"), files("b"), files("c")];
    for (let i = 0; i < a.length; i++) {
      assertEquals(await read(a[i]!), await read(b[i]!), a[i]);
      if (i < 6) assertNotEquals(await read(a[i]!), await read(c[i]!), c[i]);
    }
    // Nothing but the named files (no temp files left behind).
    const listing: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile) listing.push(entry.name);
    }
    assertEquals(
      listing.sort(),
      [...a, ...b, ...c].filter((f) => !f.startsWith("machine_spec/")).sort(),
    );
    const host = await readQueryFile(join(dir, "a_host.json"));
    const vmIds = host.metrics.get("kepler_vm_bpf_cpu_time_ms_total")!.map(
      (s) => s.labels.vm_id,
    );
    assertEquals(vmIds, [
      "machine-qemu-1-web",
      "machine-qemu-2-db",
      "machine-qemu-3-spare",
    ]);
    const guest = await readQueryFile(join(dir, "a_vm_db.json"));
    const info = guest.metrics.get("kepler_node_info")![0]!.labels;
    assertEquals([info.job, info.instance], ["kvm", "db"]);
    const truth = parseCsv(
      new TextDecoder().decode(await read("a_vm_truth.csv")),
    );
    assertEquals(truth.rows.length, 3 * 20);
    const vcpus = truth.header.indexOf("vcpus");
    assertEquals(
      [...new Set(truth.rows.map((r) => r[vcpus]))],
      ["4", "2"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`kepler-model simulate --vms` reports bad VM specs and flags as usage errors (exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [["--vms", "web=4"], /expected \[name=\]vcpus:memoryGiB\[:workload\]/],
    [
      ["--vms", "web=0:4"],
      /Invalid VM "web": vcpus must be an integer ≥ 1, got 0/,
    ],
    [["--vms", "Web=2:4"], /Invalid VM "Web": the name must be/],
    [["--vms", "a=2:4,a=4:8"], /two VMs are named "a"/],
    [["--vms", "a=32:4,b=16:4"], /48 vCPUs in all, more than the host's 40/],
    [["--vms", "a=2:4:busy"], /Unknown VM workload "busy"/],
    [
      ["--vms", "default", "--faults", "gap"],
      /--faults cannot be combined with --vms/,
    ],
    [
      ["--vms", "default", "--nodes", "2"],
      /--nodes cannot be combined with --vms/,
    ],
    [
      ["--vms", "default", "--vm-idle-share", "odd"],
      /Unknown VM idle share "odd"/,
    ],
    [["--vm-job-name", "kvm"], /--vm-job-name needs --vms/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await runCli(FLAGS, [
      "simulate",
      "-o",
      "x",
      ...args,
    ], {
      env: { DATAPATH: "/nonexistent/kepler" },
    });
    assertEquals(code, 2, `${args.join(" ")}: ${stderr}`);
    assertMatch(stderr, message);
    assertEquals(stderr.trim().split("\n").length, 1, stderr);
  }
});
