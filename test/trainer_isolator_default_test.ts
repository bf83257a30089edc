/**
 * The trainer isolator without `--abs-pipeline-name` finds the AbsPower
 * models of the pipeline `train` writes without `-p` (`default`), when
 * MODEL_PATH holds no `std_v0.7.11` (upstream's default, which it still
 * prefers): `train -i q` then `isolate --isolator trainer` works as a user
 * following the seeds expects.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";

Deno.test("isolate --isolator trainer without --abs-pipeline-name uses the pipeline train wrote without -p", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-trainer-iso-" });
  try {
    const env = { DATAPATH: dir, MODEL_PATH: dir };
    const ok = async (task: string, args: string[]) => {
      const r = await runTask(task, args, { env });
      assertEquals(r.code, 0, `${task} ${args.join(" ")}: ${r.stderr}`);
      return r;
    };
    await ok("simulate", ["-o", "q", "--duration", "600", "--containers", "3"]);
    const isolate = [
      ...["-i", "q", "-fg", "BPFOnly", "-e", "rapl-sysfs"],
      ...["--isolator", "trainer", "-o", "iso"],
    ];
    // Nothing trained yet: the error names upstream's default pipeline.
    const none = await runTask("isolate", isolate, { env });
    assertEquals(none.code, 1, none.stderr);
    assertMatch(
      none.stderr,
      /no rapl-sysfs AbsPower model in \S*std_v0\.7\.11/,
    );
    await ok("train", [
      ...["-i", "q", "-fg", "BPFOnly", "--cv-folds", "0", "--tune", "none"],
      ...["--abs-trainers", "SGDRegressorTrainer", "--dyn-trainers", ""],
    ]);
    await Deno.stat(join(dir, "default", "rapl-sysfs", "AbsPower", "BPFOnly"));
    await ok("isolate", isolate);
    const csv = await Deno.readTextFile(join(dir, "isolated_iso.csv"));
    assert(csv.split("\n").length > 10, csv.slice(0, 200));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
