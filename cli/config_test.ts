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
import { DEFAULT_CONFIG_PATH, readConfig } from "./config.ts";

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
