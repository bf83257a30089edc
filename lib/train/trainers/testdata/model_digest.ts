// SHA-256 (hex) of a fitted model's JSON, as JSON.stringify writes it.
import type { FittedModel } from "../../model.ts";

/** SHA-256 (hex) of `JSON.stringify(model.toJSON())`. */
export async function modelDigest(model: FittedModel): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(model.toJSON()));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
