// Writes reference_fits.json: for every case of reference_cases.ts, the
// SHA-256 of the fitted model's JSON and its predictions on the first 25 test rows.
// Generated with the code of main at f0954bf (before the boosting and SVR
// speed-ups of issue 19); ../reference_fits_test.ts asserts later code
// gives the same bits. Run:
//   deno run -A lib/train/trainers/testdata/make_reference_fits.ts &&
//     deno fmt lib/train/trainers/testdata/reference_fits.json
import { boostCases, svrCases } from "./reference_cases.ts";
import { modelDigest } from "./model_digest.ts";

const fits = [];
for (const c of [...boostCases(), ...svrCases()]) {
  const { model, xTest } = c.fit();
  fits.push({
    name: c.name,
    sha256: await modelDigest(model),
    predictions: Array.from(model.predict(xTest).subarray(0, 25)),
  });
}
const lines = fits.map((f) => "  " + JSON.stringify(f));
await Deno.writeTextFile(
  new URL("./reference_fits.json", import.meta.url),
  `{\n "commit": "f0954bf",\n "fits": [\n${lines.join(",\n")}\n ]\n}\n`,
);
