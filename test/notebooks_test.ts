/**
 * Every notebook runs headless on the Deno kernel (`jupyter nbconvert
 * --execute`), as a user opening it would run it: a failing cell fails the
 * test. The notebooks check their own results (e.g. extracted power within
 * the simulator's noise of the ground truth) and throw when they are off.
 */
import { tmpdir } from "node:os";
import { nbconvertArgs } from "./notebook_run.ts";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./_cli.ts";
import { requireTool } from "./_prometheus.ts";

const jupyter = requireTool("jupyter-nbconvert", {
  install:
    "apt-get install jupyter-nbconvert python3-nbclient jupyter-client; deno jupyter --install",
});

const SUBPATHS = new Set(
  Object.keys(
    JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).exports,
  ).map((k) => k === "." ? "@kepler/model" : `@kepler/model/${k.slice(2)}`),
);

const NOTEBOOKS = [
  "01_collect_and_extract",
  "02_train_and_compare",
  "03_estimate_and_power_curves",
  "04_vm_power",
];

async function hasDenoKernel(): Promise<boolean> {
  const out = await new Deno.Command("jupyter", {
    args: ["kernelspec", "list"],
    stdout: "piped",
    stderr: "piped",
  })
    .output().catch(() => undefined);
  return out !== undefined &&
    /\bdeno\b/.test(new TextDecoder().decode(out.stdout));
}

/** The notebooks' temporary folders (`kepler-notebook-*`) in the system's temp folder. */
async function notebookTempDirs(): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const e of Deno.readDir(tmpdir())) {
    if (e.name.startsWith("kepler-notebook-")) found.add(e.name);
  }
  return found;
}

Deno.test({
  name:
    "every notebook executes headless on the Deno kernel, importing the package's subpaths",
  ignore: jupyter.ignore,
  async fn() {
    if (!(await hasDenoKernel())) {
      const install = await new Deno.Command(Deno.execPath(), {
        args: ["jupyter", "--install", "--force"],
      }).output();
      assertEquals(install.code, 0, "deno jupyter --install failed");
    }
    const dir = await Deno.makeTempDir({ prefix: "kepler-notebooks-" });
    try {
      for (const name of NOTEBOOKS) {
        const path = join(ROOT, "notebooks", `${name}.ipynb`);
        const source = JSON.parse(await Deno.readTextFile(path));
        assertEquals(source.metadata.kernelspec.name, "deno", name);
        // Notebooks are thin: they import the package's public subpaths by
        // name (deno.json's exports), as a user's notebook would.
        for (const [i, cell] of source.cells.entries()) {
          // nbformat 4.5 requires a cell id (nbconvert warns that a
          // missing one will become an error).
          assert(typeof cell.id === "string", `${name}: cell ${i} has no id`);
          const code = cell.source.join("");
          for (const m of code.matchAll(/from\s+"([^"]+)"/g)) {
            assert(
              m[1] !== undefined && SUBPATHS.has(m[1]),
              `${name}: imports ${m[1]}, not a subpath of deno.json's exports`,
            );
          }
          assertEquals(
            cell.outputs?.length ?? 0,
            0,
            `${name}: committed without outputs`,
          );
        }
        // No retry: the notebooks route every output through a helper that
        // lets the Deno kernel finish writing it before the cell goes on
        // (see their first cell), so a run loses no output and sends no
        // message with an invalid signature, also on a loaded machine
        // (bench/notebooks_stress.ts runs them 10 times beside a CPU hog).
        const before = await notebookTempDirs();
        const run = await new Deno.Command("jupyter", {
          args: nbconvertArgs(path, dir),
          cwd: join(ROOT, "notebooks"),
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(run.stderr);
        assertEquals(run.code, 0, `${name} failed:\n${stderr.slice(-3000)}`);
        // A notebook removes the temporary folder it trained into.
        const left = [...await notebookTempDirs()].filter((d) =>
          !before.has(d)
        );
        assertEquals(left, [], `${name} left temporary folders`);
        const executed = JSON.parse(
          await Deno.readTextFile(join(dir, `${name}.ipynb`)),
        );
        const errors = executed.cells.flatMap((
          c: { outputs?: { output_type: string }[] },
        ) => c.outputs ?? [])
          .filter((o: { output_type: string }) => o.output_type === "error");
        assertEquals(errors, [], name);
        // An output that reached Jupyter after its cell's "idle" is dropped:
        // every code cell here ends with an output, so none may be empty.
        const empty = executed.cells.flatMap((
          c: { cell_type: string; outputs?: unknown[] },
          i: number,
        ) =>
          c.cell_type === "code" && (c.outputs ?? []).length === 0 ? [i] : []
        );
        assertEquals(empty, [], `${name}: cells without outputs`);
        assert(
          executed.cells.some((c: { execution_count?: number }) =>
            (c.execution_count ?? 0) > 0
          ),
          name,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
