import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { boostCases, svrCases } from "./testdata/reference_cases.ts";
import { modelDigest } from "./testdata/model_digest.ts";

interface Reference {
  commit: string;
  fits: { name: string; sha256: string; predictions: number[] }[];
}

const reference = JSON.parse(
  await Deno.readTextFile(
    new URL("./testdata/reference_fits.json", import.meta.url),
  ),
) as Reference;

for (
  const [what, cases] of [
    ["XgboostFit and GradientBoosting", boostCases()],
    ["SVR", svrCases()],
  ] as const
) {
  Deno.test(`${what} fit the same models, bit for bit, as main at ${reference.commit} (testdata/reference_fits.json)`, async () => {
    for (const c of cases) {
      const want = reference.fits.find((f) => f.name === c.name);
      if (want === undefined) throw new Error(`no reference for ${c.name}`);
      const { model, xTest } = c.fit();
      const predictions = Array.from(model.predict(xTest).subarray(0, 25));
      // Object.is per value: -0 and NaN are told apart, as bits are
      assertEquals(
        predictions.map((v, i) => Object.is(v, want.predictions[i])),
        predictions.map(() => true),
        c.name,
      );
      assertEquals(await modelDigest(model), want.sha256, c.name);
    }
  });
}
