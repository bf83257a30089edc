/**
 * Paths of the real dumps and golden files for the tests of lib/isolate.
 * Private to lib/isolate.
 *
 * @module
 */

/** The shared reference data folder. */
export const DATA = new URL(
  "../../../shared/data/kepler-model-server/",
  import.meta.url,
).pathname;

/** The real idle dump (7 samples, 2023-12-13). */
export const IDLE_JSON =
  `${DATA}upstream-head/tests/data/prom_output/idle.json`;

/** The real coremark dump with old names (188 samples at 3 s, 2023-09-22). */
export const PROM_RESPONSE_JSON =
  `${DATA}upstream-history/dbe1166/tests/data/prom_output/prom_response.json`;

/** Upstream's golden extract/isolate outputs on idle.json. */
export const GOLDEN_DIR =
  `${DATA}generated-from-upstream-head/extract-isolate/`;

/** Upstream's golden idle profiles of idle.json. */
export const GOLDEN_PROFILE_DIR =
  `${DATA}generated-from-upstream-head/profile/`;
