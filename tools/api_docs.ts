/**
 * Checks the JSDoc of the public API: every symbol reachable from an entry
 * point of deno.json's `exports` has a description; a function has an
 * `@param` per parameter, `@returns` unless it returns nothing, `@throws`
 * when its body throws, and an `@example`; a class has an `@example` and
 * documents its constructor's parameters and its public members; an
 * interface documents every property, and the optional properties of an
 * options interface (`…Options`) carry `@default`.
 *
 * `deno doc --lint` checks that symbols have a description and reference
 * no private type; this adds the tags the project asks of its public API.
 * Run `deno run -A tools/api_docs.ts [entry …]` for a list of problems
 * (exit 1 when there is any); `test/api_docs_test.ts` runs it on every
 * entry point.
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** One place where the public API's documentation falls short. */
export interface ApiDocProblem {
  /** `file:line` of the declaration, relative to the project root. */
  where: string;
  /** The symbol, e.g. `estimate` or `ModelServer.reload`. */
  symbol: string;
  /** What is missing, e.g. `@param options`. */
  missing: string;
}

interface JsDocTag {
  kind: string;
  name?: string;
  doc?: string;
}
interface JsDoc {
  doc?: string;
  tags?: JsDocTag[];
}
interface Param {
  kind: string;
  name?: string;
  left?: Param;
}
interface TypeDef {
  repr: string;
  kind?: string;
  value?: { typeParams?: TypeDef[]; typeName?: string } | string;
}
interface FunctionDef {
  params: Param[];
  returnType?: TypeDef | null;
  hasBody?: boolean;
}
interface Location {
  filename: string;
  line: number;
}
interface Declaration {
  kind: string;
  location: Location;
  jsDoc?: JsDoc;
  def?: Record<string, unknown>;
}
interface DocSymbol {
  name: string;
  declarations: Declaration[];
}

const ROOT = fromFileUrl(new URL("..", import.meta.url));
const NOTHING = /^(void|undefined|never)$/;

/** Whether a return type gives nothing: void, undefined, never or a promise of one. */
function returnsNothing(t: TypeDef | null | undefined): boolean {
  if (t === null || t === undefined) return false;
  if (NOTHING.test(t.repr)) return true;
  const v = t.value;
  if (
    t.repr === "Promise" && typeof v === "object" && v.typeParams?.length === 1
  ) {
    return NOTHING.test(v.typeParams[0]!.repr);
  }
  return false;
}

function tagsOf(doc: JsDoc | undefined, kind: string): JsDocTag[] {
  return (doc?.tags ?? []).filter((t) => t.kind === kind);
}

function described(doc: JsDoc | undefined): boolean {
  return (doc?.doc ?? "").trim() !== "";
}

function paramName(p: Param): string | undefined {
  if (p.kind === "identifier") return p.name;
  if (p.kind === "assign" && p.left !== undefined) return paramName(p.left);
  if (p.kind === "rest" && p.left !== undefined) return paramName(p.left);
  return undefined;
}

const sources = new Map<string, string[]>();

/** The text of a declaration from its line to the end of its body. */
function bodyText(loc: Location): string {
  const path = fromFileUrl(loc.filename);
  let lines = sources.get(path);
  if (lines === undefined) {
    lines = Deno.readTextFileSync(path).split("\n");
    sources.set(path, lines);
  }
  // Braces count only once the parameter list has closed, so a default
  // such as `options = {}` does not end the body.
  let depth = 0, parens = 0, params = false, opened = false;
  const out: string[] = [];
  for (let i = loc.line - 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\/\/.*$/, "").replace(
      /"(?:\\.|[^"\\])*"/g,
      '""',
    );
    out.push(line);
    for (const ch of line) {
      if (ch === "(") parens++;
      else if (ch === ")") {
        if (--parens === 0) params = true;
      } else if (!params || parens > 0) continue;
      else if (ch === "{") {
        depth++;
        opened = true;
      } else if (ch === "}") depth--;
    }
    if (opened && depth <= 0) break;
    if (!opened && line.trimEnd().endsWith(";")) break;
  }
  return out.join("\n");
}

function checkParams(
  params: Param[],
  doc: JsDoc | undefined,
  missing: (what: string) => void,
): void {
  const named = new Set(tagsOf(doc, "param").map((t) => t.name));
  let anonymous = 0;
  for (const p of params) {
    const name = paramName(p);
    if (name === undefined) anonymous++;
    else if (!named.has(name)) missing(`@param ${name}`);
  }
  if (anonymous > 0 && tagsOf(doc, "param").length < params.length) {
    missing("@param for a destructured parameter");
  }
}

function checkFunction(
  decls: Declaration[],
  missing: (what: string) => void,
): void {
  // Overloads carry the documentation; the implementation is not public.
  const signatures = decls.filter((d) => d.def?.hasBody !== true);
  const shown = signatures.length > 0 ? signatures : decls;
  for (const d of shown) {
    const def = d.def as unknown as FunctionDef;
    checkParams(def.params, d.jsDoc, missing);
    if (
      !returnsNothing(def.returnType) && tagsOf(d.jsDoc, "return").length === 0
    ) {
      missing("@returns");
    }
  }
  const doc = shown[0]?.jsDoc;
  if (tagsOf(doc, "example").length === 0) missing("@example");
  const body = decls.find((d) => d.def?.hasBody === true) ?? decls[0]!;
  if (
    /\bthrow\b/.test(bodyText(body.location)) &&
    tagsOf(doc, "throws").length === 0
  ) {
    missing("@throws");
  }
}

interface Member {
  name: string;
  jsDoc?: JsDoc;
  accessibility?: string;
  optional?: boolean;
  kind?: string;
  functionDef?: FunctionDef;
  params?: Param[];
  isStatic?: boolean;
}

function checkClass(
  d: Declaration,
  missing: (what: string) => void,
): void {
  if (tagsOf(d.jsDoc, "example").length === 0) missing("@example");
  const def = d.def as {
    constructors?: Member[];
    properties?: Member[];
    methods?: Member[];
  };
  for (const c of def.constructors ?? []) {
    if (c.accessibility === "private") continue;
    checkParams(c.params ?? [], c.jsDoc, (w) => missing(`constructor ${w}`));
  }
  for (const m of [...(def.properties ?? []), ...(def.methods ?? [])]) {
    if (m.accessibility === "private" || m.name.startsWith("#")) continue;
    if (!described(m.jsDoc)) missing(`description of ${m.name}`);
    if (m.functionDef !== undefined) {
      checkParams(
        m.functionDef.params,
        m.jsDoc,
        (w) => missing(`${m.name} ${w}`),
      );
    }
  }
}

function checkInterface(
  name: string,
  d: Declaration,
  missing: (what: string) => void,
): void {
  const def = d.def as { properties?: Member[]; methods?: Member[] };
  const options = name.endsWith("Options");
  for (const p of def.properties ?? []) {
    if (!described(p.jsDoc)) missing(`description of ${p.name}`);
    if (options && p.optional && tagsOf(p.jsDoc, "default").length === 0) {
      missing(`@default of ${p.name}`);
    }
  }
  for (const m of def.methods ?? []) {
    if (!described(m.jsDoc)) missing(`description of ${m.name}()`);
  }
}

function checkSymbol(s: DocSymbol, out: ApiDocProblem[]): void {
  const first = s.declarations[0]!;
  // A re-export of a symbol another entry point already shows.
  if (first.kind === "reference") return;
  const where = `${
    relative(ROOT, fromFileUrl(first.location.filename))
  }:${first.location.line}`;
  const missing = (what: string) =>
    out.push({ where, symbol: s.name, missing: what });
  const docs = s.declarations.filter((d) => described(d.jsDoc));
  if (docs.length === 0) missing("description");
  const kind = first.kind;
  if (kind === "function") checkFunction(s.declarations, missing);
  else if (kind === "class") checkClass(first, missing);
  else if (kind === "interface") checkInterface(s.name, first, missing);
}

/**
 * The documentation problems of the public API reachable from the given
 * entry points.
 *
 * @param entries Entry modules, relative to the project root, e.g.
 *   `["mod.ts", "lib/train/mod.ts"]`.
 * @returns One problem per missing piece, sorted by place; empty when the
 *   API is fully documented.
 * @throws {Error} When `deno doc` fails on an entry point.
 *
 * @example
 * ```ts
 * import { apiDocProblems } from "./api_docs.ts";
 * import { ok as assert } from "node:assert/strict";
 * const problems = await apiDocProblems(["lib/types.ts"]);
 * assert(Array.isArray(problems));
 * ```
 */
export async function apiDocProblems(
  entries: readonly string[],
): Promise<ApiDocProblem[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...entries],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `deno doc failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`,
    );
  }
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols: DocSymbol[] }>;
  };
  const problems: ApiDocProblem[] = [];
  const seen = new Set<string>();
  for (const node of Object.values(doc.nodes)) {
    for (const s of node.symbols) {
      const loc = s.declarations[0]?.location;
      const key = `${s.name}@${loc?.filename}:${loc?.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      checkSymbol(s, problems);
    }
  }
  return problems.sort((a, b) =>
    a.where.localeCompare(b.where, "en", { numeric: true }) ||
    a.missing.localeCompare(b.missing)
  );
}

/**
 * The entry modules of deno.json's `exports`, relative to the root.
 *
 * @returns The paths, e.g. `["mod.ts", "lib/types.ts", …]`.
 * @throws {Error} When deno.json has no `exports` map.
 *
 * @example
 * ```ts
 * import { exportedEntries } from "./api_docs.ts";
 * import { ok as assert } from "node:assert/strict";
 * assert((await exportedEntries()).includes("mod.ts"));
 * ```
 */
export async function exportedEntries(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  if (typeof config.exports !== "object" || config.exports === null) {
    throw new Error("deno.json has no exports map");
  }
  return Object.values(config.exports as Record<string, string>).map((p) =>
    p.replace(/^\.\//, "")
  );
}

if (import.meta.main) {
  const entries = Deno.args.length > 0 ? Deno.args : await exportedEntries();
  const problems = await apiDocProblems(entries);
  for (const p of problems) {
    console.log(`${p.where}\t${p.symbol}\t${p.missing}`);
  }
  console.error(
    `${problems.length} problems in ${entries.length} entry points`,
  );
  if (problems.length > 0) Deno.exit(1);
}
