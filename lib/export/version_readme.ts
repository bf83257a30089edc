/**
 * `v0.7/README.md`, the index of a kepler-model-db version: one row per
 * pipeline (upstream's `append_version_readme`). Upstream appended a row on
 * every export, so a pipeline exported twice was listed twice; here the
 * pipeline's row is replaced in place, and a missing file is created with
 * the header kepler-model-db has.
 *
 * @module
 */

/**
 * The header of a version README (as in kepler-model-db).
 *
 * @example
 * ```ts
 * import { versionReadmeHeader } from "./version_readme.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(versionReadmeHeader("v0.7").split("\n").slice(0, 3),
 *   ["# v0.7 Build", "", "pipeline|collect time|last update time|publisher|models"]);
 * ```
 */
export function versionReadmeHeader(version: string): string {
  return `# ${version} Build\n\npipeline|collect time|last update time|publisher|models\n---|---|---|---|---|\n`;
}

/** The row of one pipeline. */
export interface VersionReadmeRow {
  /** Pipeline name. */
  name: string;
  /** Collect time (or text), as in metadata.json. */
  collectTime: string;
  /** Last training time, as in metadata.json. */
  lastUpdateTime: string;
  /** GitHub account of the publisher. */
  publisher: string;
}

/** Options of {@linkcode versionReadme}. */
export interface VersionReadmeOptions {
  /** Version, for the header of a new file. Default: `"v0.7"`. */
  version?: string;
}

/**
 * Formats one pipeline's row, as upstream:
 * `[name](./.doc/name.md)|collect|update|[pub](https://github.com/pub)|[link](./name)`.
 *
 * @example
 * ```ts
 * import { versionReadmeRow } from "./version_readme.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(versionReadmeRow({ name: "ec2-0.7.11", collectTime: "2024-07-25 21:05:43",
 *   lastUpdateTime: "2024-08-14 07:12:37", publisher: "sunya-ch" }),
 *   "[ec2-0.7.11](./.doc/ec2-0.7.11.md)|2024-07-25 21:05:43|2024-08-14 07:12:37|[sunya-ch](https://github.com/sunya-ch)|[link](./ec2-0.7.11)");
 * ```
 */
export function versionReadmeRow(row: VersionReadmeRow): string {
  return `[${row.name}](./.doc/${row.name}.md)|${row.collectTime}|${row.lastUpdateTime}|[${row.publisher}](https://github.com/${row.publisher})|[link](./${row.name})`;
}

/**
 * The new README text: `existing` (or a new header) with the pipeline's row
 * replaced, or appended when the pipeline has none. A row belongs to the
 * pipeline when it starts with `[<name>](` or ends with `[link](./<name>)`.
 *
 * @example
 * ```ts
 * import { versionReadme } from "./version_readme.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const row = { name: "p", collectTime: "c", lastUpdateTime: "u", publisher: "me" };
 * const once = versionReadme(undefined, row);
 * assertEquals(once.split("\n").length, 6);
 * assertEquals(versionReadme(once, { ...row, collectTime: "c2" }).split("\n").filter((l) => l.startsWith("[p]")).length, 1);
 * ```
 */
export function versionReadme(
  existing: string | undefined,
  row: VersionReadmeRow,
  options: VersionReadmeOptions = {},
): string {
  const line = versionReadmeRow(row);
  const text = existing ?? versionReadmeHeader(options.version ?? "v0.7");
  const lines = text.split("\n");
  const mine = (l: string) =>
    l.startsWith(`[${row.name}](`) ||
    l.trimEnd().endsWith(`|[link](./${row.name})`);
  const at = lines.findIndex(mine);
  if (at >= 0) {
    lines[at] = line;
    return lines.filter((l, i) => i === at || !mine(l)).join("\n");
  }
  const body = text.endsWith("\n") || text === "" ? text : `${text}\n`;
  return `${body}${line}\n`;
}
