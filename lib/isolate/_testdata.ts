/**
 * Paths of the real dumps and golden files (in test/testdata) for the tests
 * of lib/isolate. Private to lib/isolate.
 *
 * @module
 */
import { testdata } from "../../test/testdata.ts";

const KMS = "kepler-model-server/";

/** The real idle dump (7 samples, 2023-12-13). */
export const IDLE_JSON = testdata(
  `${KMS}upstream-head/tests/data/prom_output/idle.json`,
);

/** The real coremark dump with old names (188 samples at 3 s, 2023-09-22). */
export const PROM_RESPONSE_JSON = testdata(
  `${KMS}upstream-history/dbe1166/tests/data/prom_output/prom_response.json`,
);

/** Upstream's golden extract/isolate outputs on idle.json. */
export const GOLDEN_DIR = `${
  testdata(`${KMS}generated-from-upstream-head/extract-isolate`)
}/`;

/** Upstream's golden idle profiles of idle.json. */
export const GOLDEN_PROFILE_DIR = `${
  testdata(`${KMS}generated-from-upstream-head/profile`)
}/`;
