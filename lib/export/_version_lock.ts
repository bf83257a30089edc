/**
 * The lock of one export into a kepler-model-db version folder (private
 * to lib/export): `<version>/.export.lock`, held while an export writes;
 * taking it finishes or sweeps what a killed export left (lib/io/commit.ts).
 *
 * @module
 */
import { recoverCommit, type RecoverResult } from "../io/commit.ts";
import { acquireLock, type HeldLock } from "../io/lock.ts";
import { exportDocDir, lockFile } from "../layout.ts";

/**
 * The lock of one export into a version folder (`<version>/.export.lock`);
 * taking it finishes or sweeps what a killed export left there.
 */
export class VersionLock {
  readonly dir: string;
  #held: HeldLock | undefined;
  constructor(dir: string) {
    this.dir = dir;
  }
  /** Takes the lock (creating the folder) and recovers; once. */
  async take(): Promise<RecoverResult> {
    const none = { rolledForward: [], removed: [], restored: [] };
    if (this.#held !== undefined) return none;
    await Deno.mkdir(this.dir, { recursive: true });
    this.#held = await acquireLock(lockFile(this.dir, "export"), {
      what: `Cannot export into ${this.dir}`,
      hint: "another export is writing it; wait for it to finish",
    });
    // what a killed export left: finished if decided, else swept
    return await recoverCommit(this.dir, "export", [
      this.dir,
      exportDocDir(this.dir),
    ]);
  }
  /** Releases the lock, if taken. */
  async release(): Promise<void> {
    await this.#held?.release();
  }
}
