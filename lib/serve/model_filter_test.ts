import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { parseModelFilter, passesModelFilter } from "./model_filter.ts";

Deno.test("parseModelFilter() reads upstream's syntax, features lists and higher-is-better attributes", () => {
  assertEquals(parseModelFilter(" mae:10 ;; abs_max_corr:0.8;features:a, b"), [
    { attribute: "mae", limit: 10, bound: "max" },
    { attribute: "abs_max_corr", limit: 0.8, bound: "min" },
    { attribute: "features", features: ["a", "b"] },
  ]);
  for (
    const bad of ["mae", "mae:", ":3", "m-a-e:3", "mae:1e999", "x".repeat(5000)]
  ) {
    assertThrows(() => parseModelFilter(bad), RangeError, bad);
  }
});

Deno.test("passesModelFilter() compares numbers (also numeric strings) and rejects missing values", () => {
  const f = parseModelFilter("mae:10;abs_max_corr:0.5;features:a,b");
  assertEquals(
    passesModelFilter({ mae: "9.9", abs_max_corr: 0.5 }, ["a"], f),
    true,
  );
  assertEquals(
    passesModelFilter({ mae: 10.01, abs_max_corr: 0.9 }, ["a"], f),
    false,
  );
  assertEquals(
    passesModelFilter({ mae: 1, abs_max_corr: 0.4 }, ["a"], f),
    false,
  );
  assertEquals(
    passesModelFilter({ mae: 1, abs_max_corr: 0.9 }, ["a", "c"], f),
    false,
  );
  assertEquals(
    passesModelFilter({ mae: null, abs_max_corr: 0.9 }, ["a"], f),
    false,
  );
  assertEquals(
    passesModelFilter(
      { package_mape: -1 },
      [],
      parseModelFilter("package_mape:50"),
    ),
    false,
  );
  assertEquals(passesModelFilter({}, [], []), true);
});
