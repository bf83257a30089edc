// Writes lm_fits.json: levenbergMarquardt's result on every lmCases()
// problem. Generated with the code of commit d57f1f4 (before working arrays
// were reused across steps); the test asserts later code gives the same
// bits. Run: deno run -A lib/numeric/testdata/make_lm_fits.ts
import { levenbergMarquardt } from "../levenberg_marquardt.ts";
import { CURVES, lmCases } from "./lm_cases.ts";

const fits = lmCases().map((c) => {
  const r = levenbergMarquardt(CURVES[c.curve]!, c.x, c.y, c.theta0);
  return { name: c.name, ...r };
});
await Deno.writeTextFile(
  new URL("./lm_fits.json", import.meta.url),
  JSON.stringify({ commit: "d57f1f4", fits }, null, 1) + "\n",
);
