import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { childText, parseXml } from "./_xml.ts";

Deno.test("`parseXml()` reads a ListObjectsV2 page as S3 writes it", () => {
  const doc = parseXml(
    `<?xml version="1.0" encoding="UTF-8"?>\r\n` +
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount>` +
      `<IsTruncated>true</IsTruncated>` +
      `<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>` +
      `<Contents><Key> a &amp; b &lt;c&gt; &#x1F600;&#33;</Key><Size>3</Size></Contents>` +
      `<Contents><Key><![CDATA[x<y>&z]]></Key><Owner><ID>1</ID></Owner></Contents>` +
      `<!-- a comment --></ListBucketResult>\n`,
  );
  assertEquals(doc.name, "ListBucketResult");
  assertEquals(doc.attributes, {
    xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
  });
  assertEquals(childText(doc, "IsTruncated"), "true");
  assertEquals(childText(doc, "Prefix"), "");
  assertEquals(
    childText(doc, "NextContinuationToken"),
    "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=",
  );
  assertEquals(
    doc.children.filter((c) => c.name === "Contents").map((c) =>
      childText(c, "Key")
    ),
    [" a & b <c> \u{1F600}!", "x<y>&z"],
  );
});

Deno.test("`parseXml()` keeps whitespace and line ends of text, normalized to \\n", () => {
  const doc = parseXml("<K>\r\n a\rb </K>");
  assertEquals(doc.text, "\n a\nb ");
  assertEquals(parseXml("<E a='1' b = \"x&quot;y\"/>").attributes, {
    a: "1",
    b: 'x"y',
  });
});

Deno.test("`parseXml()` refuses malformed documents with a SyntaxError that says where", () => {
  const cases: [string, RegExp][] = [
    ["<a><b></a>", /end tag <\/a> does not close <b>/],
    ["<a>", /<a> is never closed/],
    ["", /no root element/],
    ["text", /text outside the root element/],
    ["<a/><b/>", /a second root element/],
    ["<a>x & y</a>", /"&" not followed by an entity/],
    ["<a>&nbsp;</a>", /unknown entity "&nbsp;"/],
    ["<a><![CDATA[x</a>", /unterminated CDATA section/],
    ["<a b=c></a>", /malformed attribute in <a>/],
    ["</a>", /end tag <\/a> without a start tag/],
    ["<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", /internal subset/],
  ];
  for (const [xml, pattern] of cases) {
    assertThrows(
      () => parseXml(xml),
      (e: Error) => e instanceof SyntaxError && pattern.test(e.message),
      xml,
    );
  }
});
