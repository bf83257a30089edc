/**
 * Configuration files (`$CONFIG_PATH/<KEY>`, upstream's `get_config`): a
 * file sets its key before the environment does, trimmed; an empty file, a
 * missing file or a missing folder sets nothing; a bad value names its file.
 */
import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG_PATH, parseStep, readConfig } from "./config.ts";

function folderWith(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync({ prefix: "kepler-config-" });
  for (const [name, text] of Object.entries(files)) {
    Deno.writeTextFileSync(join(dir, name), text);
  }
  return dir;
}

Deno.test("readConfig: a file in CONFIG_PATH sets its key before the environment, trimmed; an empty file is unset", () => {
  const dir = folderWith({
    MODEL_PATH: "  /mnt/models\n",
    PROM_QUERY_STEP: "5\n",
    ERROR_KEY: "mape",
    DATAPATH: "\n",
    PROM_THIRDPARTY_METRICS: "node_cpu_seconds_total, node_energy\n",
  });
  try {
    const config = readConfig(
      new Map([
        ["CONFIG_PATH", dir],
        ["DATAPATH", "/env/data"],
        ["MODEL_PATH", "/env/models"],
        ["PROM_QUERY_STEP", "not a number, never read"],
        ["PROM_SERVER", "http://prom:9090"],
      ]),
    );
    assertEquals(config.modelPath, "/mnt/models");
    assertEquals(config.dataPath, "/env/data");
    assertEquals(config.promQueryStep, 5);
    assertEquals(config.errorKey, "mape");
    assertEquals(config.promServer, "http://prom:9090");
    assertEquals(config.promThirdpartyMetrics, [
      "node_cpu_seconds_total",
      "node_energy",
    ]);
    assertEquals(
      [...config.configFiles].sort(),
      ["ERROR_KEY", "MODEL_PATH", "PROM_QUERY_STEP", "PROM_THIRDPARTY_METRICS"]
        .map((k) => join(dir, k)),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readConfig: no CONFIG_PATH folder (or a file in its place) leaves the environment's values", () => {
  const dir = folderWith({});
  try {
    for (const path of [join(dir, "absent"), join(dir, "plain")]) {
      if (path.endsWith("plain")) Deno.writeTextFileSync(path, "x");
      const config = readConfig(
        new Map([["CONFIG_PATH", path], ["MODEL_PATH", "/env/models"]]),
      );
      assertEquals(config.modelPath, "/env/models");
      assertEquals(config.configFiles, []);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readConfig: a bad value in a configuration file names the file; an unreadable key file is an error", () => {
  const dir = folderWith({ MODEL_SERVER_PORT: "eighty\n" });
  try {
    const env = new Map([["CONFIG_PATH", dir]]);
    assertThrows(() => readConfig(env), {
      name: "RangeError",
      message: `Invalid configuration file ${
        join(dir, "MODEL_SERVER_PORT")
      }="eighty": expected a number`,
    });
    Deno.removeSync(join(dir, "MODEL_SERVER_PORT"));
    Deno.mkdirSync(join(dir, "ERROR_KEY"));
    assertThrows(
      () => readConfig(env),
      (e: Error) =>
        e instanceof RangeError &&
        e.message.startsWith(
          `Cannot read configuration file ${join(dir, "ERROR_KEY")}`,
        ),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readConfig: without CONFIG_PATH the folder is upstream's /etc/kepler/kepler.config", () => {
  assertEquals(DEFAULT_CONFIG_PATH, "/etc/kepler/kepler.config");
  let exists = true;
  try {
    Deno.statSync(DEFAULT_CONFIG_PATH);
  } catch {
    exists = false;
  }
  const config = readConfig(new Map([["MODEL_PATH", "/env/models"]]));
  if (!exists) assertEquals(config.configFiles, []);
  for (const file of config.configFiles) {
    assertEquals(file.startsWith(`${DEFAULT_CONFIG_PATH}/`), true, file);
  }
});

Deno.test("readConfig: PROM_QUERY_STEP takes a Prometheus duration (3s, 1m30s, 500ms) or seconds; a bad step names its source", () => {
  const step = (value: string) =>
    readConfig(
      new Map([["CONFIG_PATH", "/nonexistent"], [
        "PROM_QUERY_STEP",
        value,
      ]]),
    ).promQueryStep;
  assertEquals(
    ["3s", "1m30s", "500ms", "1h", "5", "0.5"].map(step),
    [3, 90, 0.5, 3600, 5, 0.5],
  );
  assertThrows(() => step("3x"), {
    name: "RangeError",
    message:
      'Invalid environment variable PROM_QUERY_STEP="3x": expected seconds (e.g. 3, 0.5) or a Prometheus duration (e.g. 3s, 1m30s, 500ms; units ms, s, m, h, d, w, y)',
  });
  assertThrows(() => step("0s"), /PROM_QUERY_STEP="0s": the step must be/);
  assertThrows(() => step("-3"), /PROM_QUERY_STEP="-3": the step must be/);
  const dir = folderWith({ PROM_QUERY_STEP: "1m\n" });
  try {
    assertEquals(
      readConfig(new Map([["CONFIG_PATH", dir]])).promQueryStep,
      60,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("`parseStep()` reads Prometheus durations and seconds", () => {
  const cases: [string, number][] = [
    ["3", 3],
    ["0.5", 0.5],
    ["15.5", 15.5],
    ["3s", 3],
    ["1m", 60],
    ["1h", 3600],
    ["1h30s", 3630],
    ["1m30s", 90],
    ["500ms", 0.5],
    ["1s500ms", 1.5],
    ["2d", 172800],
    ["1w", 604800],
    ["1y", 31536000],
    [" 3s\n", 3],
  ];
  assertEquals(cases.map(([t]) => parseStep(t)), cases.map(([, s]) => s));
});

Deno.test("`parseStep()` refuses garbage, zero and negative steps in one line", () => {
  for (const text of ["3x", "1.5s", "s", "", "1s1m", "ms5s", "3 s", "abc"]) {
    assertThrows(
      () => parseStep(text),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith(`Invalid step "${text}": expected seconds`),
      text,
    );
  }
  for (const text of ["0", "0s", "0ms", "-3", "0.0001", "1e999"]) {
    assertThrows(
      () => parseStep(text),
      (e: unknown) => e instanceof RangeError && /at least 1ms/.test(e.message),
      text,
    );
  }
});
