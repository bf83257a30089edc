/**
 * The further data sets of `deno task bench sklearn-compare`
 * (./_compare_csv.ts): the list, a group told by the columns, and the
 * one-line errors.
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { compareCsvPaths, readCompareCsv } from "./_compare_csv.ts";
import { testdata } from "../test/testdata.ts";

Deno.test("compareCsvPaths splits on the path delimiter and skips empty parts", () => {
  assertEquals(compareCsvPaths(undefined), []);
  assertEquals(compareCsvPaths(""), []);
  assertEquals(compareCsvPaths("/a.csv::/b c.csv"), ["/a.csv", "/b c.csv"]);
});

Deno.test("readCompareCsv tells a v0.6 group from its columns, and names a bad file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-compare-csv-" });
  try {
    const held = join(dir, "held.csv");
    await Deno.copyFile(
      testdata("derived/dbe1166-v0.6-BPFIRQ/acpi_BPFIRQ_abs_data.csv"),
      held,
    );
    const set = await readCompareCsv(held);
    assertEquals(
      [set.group, set.outputType, set.frame.source, set.frame.length],
      ["BPFIRQ", "AbsPower", "acpi", 153],
    );
    const odd = join(dir, "odd.csv");
    await Deno.writeTextFile(odd, "timestamp,x,platform_power\n1,2,3\n");
    await assertRejects(
      () => readCompareCsv(odd),
      /KEPLER_COMPARE_CSV: \S*odd\.csv: no feature group in the file name, and its columns \(x\) are not one group's/,
    );
    await assertRejects(
      () => readCompareCsv(join(dir, "abs_dyn.csv")),
      /KEPLER_COMPARE_CSV: \S*abs_dyn\.csv: the file name names more than one output type \(abs, dyn\): AbsPower, DynPower/,
    );
    await assertRejects(
      () => readCompareCsv(join(dir, "missing.csv")),
      /KEPLER_COMPARE_CSV: cannot read \S*missing\.csv/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
