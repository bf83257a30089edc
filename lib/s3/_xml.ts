/**
 * A small XML reader for S3's answers (ListObjectsV2 results and error
 * documents): elements, attributes, text with the five predefined entities
 * and character references, CDATA, comments, processing instructions and a
 * DOCTYPE without an internal subset. No namespaces resolution (a prefix
 * stays part of the name), no DTD entities: what S3 and S3-compatible
 * servers send, nothing more.
 *
 * @module
 */

/** One element: its name, attributes, child elements and its own text. */
export interface XmlElement {
  /** The tag name as written (with any namespace prefix). */
  name: string;
  /** Attributes, entities decoded. */
  attributes: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** The element's own character data (CDATA included), entities decoded, untrimmed. */
  text: string;
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function decodeEntities(raw: string, at: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (match, ref: string) => {
    if (!match.endsWith(";")) {
      throw new SyntaxError(
        `Invalid XML near offset ${at}: "&" not followed by an entity ("${match}")`,
      );
    }
    const named = NAMED[ref];
    if (named !== undefined) return named;
    const num = /^#x([0-9a-f]+)$/i.exec(ref)?.[1] ??
      /^#([0-9]+)$/.exec(ref)?.[1];
    if (num !== undefined) {
      const code = ref[1] === "x" || ref[1] === "X"
        ? parseInt(num, 16)
        : parseInt(num, 10);
      if (code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw new SyntaxError(
      `Invalid XML near offset ${at}: unknown entity "${match}"`,
    );
  });
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** The parser's position and open elements. */
interface XmlState {
  text: string;
  i: number;
  stack: XmlElement[];
  root: XmlElement | undefined;
}

function fail(p: XmlState, why: string, at = p.i): SyntaxError {
  return new SyntaxError(`Invalid XML at offset ${at}: ${why}`);
}

/** The offset just past the next `end`, from the current one. */
function skipPast(p: XmlState, end: string, what: string): number {
  const j = p.text.indexOf(end, p.i);
  if (j === -1) throw fail(p, `unterminated ${what}`);
  return j + end.length;
}

/**
 * Skips or reads the markup at `p.i` that is not an element's tag: a
 * processing instruction, comment, CDATA section or DOCTYPE. Returns
 * whether there was one.
 */
function otherMarkup(p: XmlState): boolean {
  const { text, i } = p;
  if (text.startsWith("<?", i)) {
    p.i = skipPast(p, "?>", "processing instruction");
  } else if (text.startsWith("<!--", i)) {
    p.i = skipPast(p, "-->", "comment");
  } else if (text.startsWith("<![CDATA[", i)) {
    const top = p.stack.at(-1);
    if (top === undefined) throw fail(p, "CDATA outside the root element");
    const end = skipPast(p, "]]>", "CDATA section");
    top.text += text.slice(i + 9, end - 3);
    p.i = end;
  } else if (text.startsWith("<!DOCTYPE", i)) {
    const end = skipPast(p, ">", "DOCTYPE");
    if (text.slice(i, end).includes("[")) {
      throw fail(p, "a DOCTYPE with an internal subset is not supported");
    }
    p.i = end;
  } else return false;
  return true;
}

/** Reads the end tag at `p.i`, closing the open element it names. */
function endTag(p: XmlState): void {
  const end = skipPast(p, ">", "end tag");
  const name = p.text.slice(p.i + 2, end - 1).trim();
  const top = p.stack.pop();
  if (top === undefined || top.name !== name) {
    throw fail(
      p,
      top === undefined
        ? `end tag </${name}> without a start tag`
        : `end tag </${name}> does not close <${top.name}>`,
    );
  }
  p.i = end;
}

/** Reads the start (or empty-element) tag at `p.i` with its attributes. */
function startTag(p: XmlState): void {
  const text = p.text;
  const name = /^<([^\s/>!?]+)/.exec(text.slice(p.i, p.i + 1024))?.[1];
  if (name === undefined) throw fail(p, '"<" not followed by a tag name');
  const element: XmlElement = {
    name,
    attributes: {},
    children: [],
    text: "",
  };
  p.i += 1 + name.length;
  for (;;) {
    while (/\s/.test(text[p.i] ?? "")) p.i++;
    if (text.startsWith("/>", p.i) || text[p.i] === ">") break;
    ATTRIBUTE.lastIndex = p.i;
    const m = ATTRIBUTE.exec(text);
    if (m === null) throw fail(p, `malformed attribute in <${name}>`);
    element.attributes[m[1]!] = decodeEntities(m[2] ?? m[3] ?? "", p.i);
    p.i = ATTRIBUTE.lastIndex;
  }
  const parent = p.stack.at(-1);
  if (parent !== undefined) parent.children.push(element);
  else if (p.root !== undefined) throw fail(p, "a second root element");
  else p.root = element;
  if (text[p.i] === ">") {
    p.stack.push(element);
    p.i += 1;
  } else {
    p.i += 2;
  }
}

/**
 * Parses an XML document into its root element. Line ends are normalized
 * to `\n`. Malformed input (unclosed or mismatched tags, text or a second
 * element outside the root, an unknown entity) throws a `SyntaxError` that
 * says what and where.
 *
 * @example
 * ```ts
 * import { parseXml } from "./_xml.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const doc = parseXml('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>a &amp; b</Message></Error>');
 * assertEquals(doc.name, "Error");
 * assertEquals(doc.children.map((c) => [c.name, c.text]), [["Code", "NoSuchKey"], ["Message", "a & b"]]);
 * ```
 */
export function parseXml(input: string): XmlElement {
  const text = input.replace(/\r\n?/g, "\n");
  const p: XmlState = {
    text,
    i: text.charCodeAt(0) === 0xfeff ? 1 : 0,
    stack: [],
    root: undefined,
  };
  while (p.i < text.length) {
    const lt = text.indexOf("<", p.i);
    const chars = text.slice(p.i, lt === -1 ? text.length : lt);
    if (chars !== "") {
      const top = p.stack.at(-1);
      if (top !== undefined) top.text += decodeEntities(chars, p.i);
      else if (chars.trim() !== "") {
        throw fail(p, "text outside the root element");
      }
    }
    if (lt === -1) break;
    p.i = lt;
    if (otherMarkup(p)) continue;
    if (text.startsWith("</", p.i)) endTag(p);
    else startTag(p);
  }
  if (p.stack.length > 0) {
    throw fail(p, `<${p.stack.at(-1)!.name}> is never closed`, text.length);
  }
  if (p.root === undefined) throw fail(p, "no root element", 0);
  return p.root;
}

/**
 * The text of the first child element named `name`, or undefined.
 *
 * @example
 * ```ts
 * import { childText, parseXml } from "./_xml.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const doc = parseXml("<R><IsTruncated>false</IsTruncated></R>");
 * assertEquals(childText(doc, "IsTruncated"), "false");
 * assertEquals(childText(doc, "Nope"), undefined);
 * ```
 */
export function childText(
  element: XmlElement,
  name: string,
): string | undefined {
  return element.children.find((c) => c.name === name)?.text;
}
