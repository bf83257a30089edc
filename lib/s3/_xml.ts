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
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (why: string, at = i): SyntaxError =>
    new SyntaxError(`Invalid XML at offset ${at}: ${why}`);
  const skipPast = (end: string, what: string): number => {
    const j = text.indexOf(end, i);
    if (j === -1) throw fail(`unterminated ${what}`);
    return j + end.length;
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const chars = text.slice(i, lt === -1 ? text.length : lt);
    if (chars !== "") {
      const top = stack.at(-1);
      if (top !== undefined) top.text += decodeEntities(chars, i);
      else if (chars.trim() !== "") throw fail("text outside the root element");
    }
    if (lt === -1) break;
    i = lt;
    if (text.startsWith("<?", i)) {
      i = skipPast("?>", "processing instruction");
    } else if (text.startsWith("<!--", i)) {
      i = skipPast("-->", "comment");
    } else if (text.startsWith("<![CDATA[", i)) {
      const top = stack.at(-1);
      if (top === undefined) throw fail("CDATA outside the root element");
      const end = skipPast("]]>", "CDATA section");
      top.text += text.slice(i + 9, end - 3);
      i = end;
    } else if (text.startsWith("<!DOCTYPE", i)) {
      const end = skipPast(">", "DOCTYPE");
      if (text.slice(i, end).includes("[")) {
        throw fail("a DOCTYPE with an internal subset is not supported");
      }
      i = end;
    } else if (text.startsWith("</", i)) {
      const end = skipPast(">", "end tag");
      const name = text.slice(i + 2, end - 1).trim();
      const top = stack.pop();
      if (top === undefined || top.name !== name) {
        throw fail(
          top === undefined
            ? `end tag </${name}> without a start tag`
            : `end tag </${name}> does not close <${top.name}>`,
        );
      }
      i = end;
    } else {
      const name = /^<([^\s/>!?]+)/.exec(text.slice(i, i + 1024))?.[1];
      if (name === undefined) throw fail('"<" not followed by a tag name');
      const element: XmlElement = {
        name,
        attributes: {},
        children: [],
        text: "",
      };
      i += 1 + name.length;
      for (;;) {
        while (/\s/.test(text[i] ?? "")) i++;
        if (text.startsWith("/>", i) || text[i] === ">") break;
        ATTRIBUTE.lastIndex = i;
        const m = ATTRIBUTE.exec(text);
        if (m === null) throw fail(`malformed attribute in <${name}>`);
        element.attributes[m[1]!] = decodeEntities(m[2] ?? m[3] ?? "", i);
        i = ATTRIBUTE.lastIndex;
      }
      const parent = stack.at(-1);
      if (parent !== undefined) parent.children.push(element);
      else if (root !== undefined) throw fail("a second root element");
      else root = element;
      if (text[i] === ">") {
        stack.push(element);
        i += 1;
      } else {
        i += 2;
      }
    }
  }
  if (stack.length > 0) {
    throw fail(`<${stack.at(-1)!.name}> is never closed`, text.length);
  }
  if (root === undefined) throw fail("no root element", 0);
  return root;
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
