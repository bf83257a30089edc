/**
 * File I/O helpers: atomic writes, JSON, CSV and zip.
 *
 * @module
 */
export { replaceDirAtomic, writeFileAtomic } from "./atomic.ts";
export type { AtomicContent, WriteAtomicOptions } from "./atomic.ts";
export { sweepStaleTemps } from "./stale_temps.ts";
export type { SweepOptions, SweepResult } from "./stale_temps.ts";
export { exists, readBinaryFile, readTextFile } from "./read.ts";
export { parseJsonText, readJsonFile, writeJsonFile } from "./json.ts";
export type { WriteJsonOptions } from "./json.ts";
export {
  csvPieces,
  formatCsv,
  formatCsvRow,
  parseCsv,
  readCsvFile,
  writeCsvFile,
} from "./csv.ts";
export type { CsvCell, CsvTable } from "./csv.ts";
export {
  collectDir,
  entryText,
  readZipFile,
  safeEntryPath,
  unzipEntries,
  unzipToDir,
  zipDirToFile,
  zipEntries,
} from "./zip.ts";
export type { CollectOptions, ZipDirOptions, ZipEntries } from "./zip.ts";
