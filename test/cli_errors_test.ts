/**
 * The CLI's error contract, through each command's deno task: a usage error
 * is exit 2 and one stderr line starting `kepler-model:` (commander's own
 * messages included); `serve` on a busy port fails at once, naming the
 * address; a JSON that is not a query gets the same message from every
 * command that reads query files.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runCli, runTask } from "./_cli.ts";

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

const USAGE_ERRORS: { what: string; task: string; args: string[] }[] = [
  { what: "unknown option", task: "train", args: ["--bogus"] },
  {
    what: "unknown option with a suggestion",
    task: "train",
    args: ["-i", "q", "--abs-trainer", "X"],
  },
  { what: "missing argument value", task: "train", args: ["-i"] },
  {
    what: "bad number",
    task: "simulate",
    args: ["-o", "q", "--duration", "abc"],
  },
  { what: "number out of range", task: "serve", args: ["--port", "99999"] },
  {
    what: "bad date",
    task: "query",
    args: ["--start-time", "yesterday", "--end-time", "2024-01-01T00:00:00Z"],
  },
  {
    what: "end before start",
    task: "query",
    args: [
      "--start-time",
      "2024-01-02T00:00:00Z",
      "--end-time",
      "2024-01-01T00:00:00Z",
    ],
  },
  {
    what: "bad date (simulate)",
    task: "simulate",
    args: ["-o", "q", "--start-time", "tomorrow"],
  },
  {
    what: "bad vocabulary value",
    task: "extract",
    args: ["-i", "q", "--feature-group", "Nope"],
  },
  {
    what: "bad value in a vocabulary list",
    task: "estimate",
    args: ["-i", "q", "--energy-source", "rapl,nope"],
  },
  { what: "bad host", task: "serve", args: ["--host", "not a host"] },
  { what: "missing required option", task: "validate", args: [] },
];

for (const { what, task, args } of USAGE_ERRORS) {
  Deno.test(`usage error (${what}): exit 2 and one line starting kepler-model: from deno task ${task}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "kepler-usage-" });
    try {
      const r = await runTask(task, args, {
        env: { DATAPATH: dir, PROM_SERVER: "http://127.0.0.1:1" },
      });
      const where = `${task} ${args.join(" ")}: ${r.stderr}`;
      assertEquals(r.code, 2, where);
      assertEquals(lines(r.stderr).length, 1, where);
      assert(r.stderr.startsWith("kepler-model: error: "), where);
      assertEquals(r.stdout, "", where);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("usage error (unknown command): exit 2 and one line starting kepler-model:", async () => {
  const r = await runCli([], ["no-such-command"]);
  assertEquals(r.code, 2, r.stderr);
  assertEquals(lines(r.stderr), [
    "kepler-model: error: unknown command 'no-such-command'",
  ]);
});

Deno.test("serve on a busy port fails before loading pipelines, naming the address", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-busy-" });
  // Holds the port and never answers: were pipelines downloaded first, the
  // download from this same address would wait for --download-timeout.
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  try {
    const r = await runTask("serve", ["--download-timeout", "30"], {
      env: {
        MODEL_PATH: join(dir, "missing"),
        MODEL_SERVER_PORT: String(port),
        INITIAL_PIPELINE_URL: `http://127.0.0.1:${port}/p.zip`,
      },
    });
    assertEquals(r.code, 1, r.stderr);
    assertEquals(lines(r.stderr), [
      `kepler-model: error: cannot listen on 127.0.0.1:${port}: address already in use`,
    ]);
    assertEquals(r.stdout, "");
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every command that reads a query file with `-i`, and its other flags. */
const QUERY_READERS: { task: string; args: string[] }[] = [
  { task: "validate", args: [] },
  { task: "extract", args: ["--feature-group", "BPFOnly"] },
  { task: "isolate", args: ["--feature-group", "BPFOnly"] },
  { task: "profile", args: [] },
  { task: "train", args: [] },
  { task: "estimate", args: [] },
];

const NOT_QUERIES: { name: string; text: string; detail: string }[] = [
  {
    name: "object",
    text: '{"a": 1}',
    detail: "metric a is not a list of series",
  },
  {
    name: "array",
    text: "[]",
    detail: "expected an object from metric name to series",
  },
  {
    // a pipeline's metadata.json, as train writes it
    name: "metadata",
    text: JSON.stringify({
      name: "std_v0.7.11",
      isolator: "min",
      extractor: "default",
      abs_trainers: ["SGDRegressorTrainer"],
      dyn_trainers: ["SGDRegressorTrainer"],
      metric_type: "bm_metrics",
      init_time: "2024-01-01 00:00:00",
      last_update_time: "2024-01-01 00:00:00",
    }),
    detail: "metric name is not a list of series",
  },
];

Deno.test("a JSON that is not a query gets the same message from every command reading -i", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-notquery-" });
  try {
    for (const { name, text } of NOT_QUERIES) {
      await Deno.writeTextFile(join(dir, `${name}.json`), text);
    }
    await Promise.all(
      QUERY_READERS.flatMap(({ task, args }) =>
        NOT_QUERIES.map(async ({ name, detail }) => {
          const r = await runTask(task, ["-i", name, ...args], {
            env: { DATAPATH: dir },
          });
          const where = `${task} -i ${name}: ${r.stderr}`;
          assertEquals(r.code, 1, where);
          const got = lines(r.stderr);
          assertEquals(got.length, 1, where);
          assert(
            got[0]!.startsWith(
              `kepler-model: error: ${
                join(dir, `${name}.json`)
              } is not a query JSON: ${detail} (a query JSON, as query and simulate write it, maps each metric name`,
            ),
            where,
          );
        })
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a permission missing from a task run of cli/main.ts names the deno task", async () => {
  const r = await runCli(["--no-prompt", "--allow-read"], [
    "validate",
    "-i",
    "q",
  ]);
  assertEquals(r.code, 1, r.stderr);
  assertEquals(lines(r.stderr), [
    'kepler-model: error: permission denied: Requires env access to "DATAPATH", run again with the --allow-env flag (the deno task of this command does not grant it)',
  ]);
});
