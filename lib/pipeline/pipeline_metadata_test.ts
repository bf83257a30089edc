import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { parseCsv } from "../io/csv.ts";
import { formatCsv } from "../io/csv.ts";
import { modelMetadataTable } from "./pipeline_metadata.ts";
import { type ModelMetadata, pythonRepr } from "./model_metadata.ts";
import { testdata } from "../../test/testdata.ts";

const GOLDEN = testdata(
  "kepler-model-server/generated-from-upstream-head/train-pipeline/demo_pipeline",
);
const golden = await Deno.readTextFile(
  join(GOLDEN, "rapl-sysfs_AbsPower_model_metadata.csv"),
);

Deno.test({
  name:
    "modelMetadataTable() reproduces upstream's summary CSV from its model metadata",
  async fn() {
    const table = parseCsv(golden);
    // Rebuild the rows from the per-model metadata.json files upstream wrote,
    // in the order upstream's index column says they were collected.
    const byIndex = table.rows.map((r) => ({
      index: Number(r[0]),
      name: r[1]!,
      fg: r.at(-1)!,
    }))
      .sort((a, b) => a.index - b.index);
    const rows = [];
    for (const { name, fg } of byIndex) {
      const md = JSON.parse(
        await Deno.readTextFile(
          join(GOLDEN, `rapl-sysfs/AbsPower/${fg}/${name}/metadata.json`),
        ),
      ) as ModelMetadata;
      rows.push({ metadata: md, featureGroup: fg as "BPFOnly" });
    }
    // The golden index restarts per feature group (pandas concat); ours
    // numbers rows within each group the same way when given one group at a time.
    const groups = [...new Set(byIndex.map((r) => r.fg))];
    const ours: string[][] = [];
    let header: string[] = [];
    for (const fg of groups.sort()) {
      const t = modelMetadataTable(rows.filter((r) => r.featureGroup === fg), {
        components: ["package", "core", "uncore", "dram"],
      });
      header = t.header;
      ours.push(...parseCsv(formatCsv(t.header, t.rows)).rows);
    }
    assertEquals(header, table.header);
    assertEquals(
      ours.map((r) => r.slice(1)),
      table.rows.map((r) => r.slice(1)),
    );
  },
});

Deno.test("pythonRepr() writes Python's repr of JSON values", () => {
  assertEquals(
    pythonRepr({ a: [true, null, 2.5], "it's": "x" }),
    `{'a': [True, None, 2.5], "it's": 'x'}`,
  );
});
