import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  checkNodeTypeIndex,
  findNodeType,
  indexMachine,
  jaccard,
  type NodeTypeIndex,
  specCovers,
  specSimilarity,
} from "./node_type_index.ts";
import { testdata } from "../../test/testdata.ts";

const ec2: NodeTypeIndex = checkNodeTypeIndex(JSON.parse(
  await Deno.readTextFile(
    testdata("kepler-model-db/models/v0.7/ec2-0.7.11/node_type_index.json"),
  ),
));

Deno.test({
  name: "findNodeType() finds every published ec2 node type from its own spec",
  fn() {
    for (const [key, entry] of Object.entries(ec2)) {
      const match = findNodeType(ec2, entry.attrs);
      assertEquals(match?.nodeType, Number(key));
      assertEquals(match?.exact, true);
    }
  },
});

Deno.test("jaccard() matches upstream's test value once halved for processors", () => {
  // upstream test_compute_jaccard_similarity("abcd", "abcdefgh") == 0.25,
  // which is the processor score: half the Jaccard similarity.
  assertEquals(0.5 * jaccard("abcd", "abcdefgh"), 0.25);
});

Deno.test("specSimilarity() weighs attributes 5/1/1/0.5/0.5 over known ones", () => {
  const a = {
    processor: "abcd",
    cores: 10,
    chips: 2,
    memory: 100,
    frequency: 3000,
  };
  const b = {
    processor: "abcdefgh",
    cores: 30,
    chips: 2,
    memory: 100,
    frequency: 3000,
  };
  // processor 0.25, cores 1 - 20/20 = 0, chips 1, memory 1, frequency 1.
  assertEquals(specSimilarity(a, b), (5 * 0.25 + 0 + 1 + 0.5 + 0.5) / 8);
  // Unknown attributes (-1) are left out.
  assertEquals(
    specSimilarity({ ...a, memory: -1 }, b),
    (5 * 0.25 + 0 + 1 + 0.5) / 7.5,
  );
  assertEquals(specSimilarity({}, b), 0);
});

Deno.test("node type 1 does not match node type 10 (upstream's substring bug)", () => {
  const spec = (cores: number) => ({
    processor: "p",
    cores,
    chips: 1,
    memory: 8,
    frequency: 2000,
  });
  let index: NodeTypeIndex = {};
  for (let i = 0; i <= 10; i++) {
    index = indexMachine(index, spec(i + 1), `m${i}`).index;
  }
  assertEquals(findNodeType(index, spec(2))?.nodeType, 1);
  assertEquals(findNodeType(index, spec(11))?.nodeType, 10);
});

Deno.test("specCovers() compares only what the request gives", () => {
  const spec = {
    processor: "Intel_X",
    cores: 8,
    chips: 1,
    memory: 16,
    frequency: 2000,
  };
  assert(specCovers(spec, { processor: "intel_x" }));
  assert(specCovers(spec, { cores: 8, memory: -1 }));
  assert(!specCovers(spec, { cores: 9 }));
});

Deno.test("indexMachine() adds new node types after the largest and keeps inputs", () => {
  const a = { processor: "a", cores: 1, chips: 1, memory: 1, frequency: 1 };
  const start: NodeTypeIndex = { "5": { attrs: a, members: ["x"] } };
  const r = indexMachine(start, { ...a, cores: 2 }, "y");
  assertEquals(r.nodeType, 6);
  assertEquals(Object.keys(start), ["5"]);
  assertEquals(indexMachine(r.index, a, "z").nodeType, 5);
});

Deno.test("checkNodeTypeIndex() rejects malformed indexes", () => {
  assertThrows(() => checkNodeTypeIndex([]), /not a JSON object/);
  assertThrows(() => checkNodeTypeIndex({ x: {} }), /"x" is not a number/);
  assertThrows(() => checkNodeTypeIndex({ "1": {} }), /has no attrs/);
});
