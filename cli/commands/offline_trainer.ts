/**
 * `offline-trainer`: upstream's offline trainer, `POST /train` on
 * 127.0.0.1:8102 (lib/train/offline_trainer.ts). One training runs at a
 * time; the others wait their turn. A request the trainer refuses is a
 * 400 with `{"error": ...}`; the answer to a good one is the pipeline zip.
 *
 * Permissions: network (it listens), read (MODEL_PATH, for the trainer
 * isolator) and write (each request trains in a temporary folder).
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  flag,
  given,
  numberParser,
  option,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { type HttpReply, serveHttp1 } from "../../lib/http1/mod.ts";
import {
  OfflineTrainError,
  parseOfflineTrainRequest,
  trainOffline,
} from "../../lib/train/offline_trainer.ts";

/** Upstream's offline trainer port. */
export const OFFLINE_TRAINER_PORT = 8102;

const OPTIONS = {
  host: option(
    "--host <address>",
    "address to bind (default: 127.0.0.1, loopback only)",
  ),
  listenAll: flag(
    "--listen-all",
    "bind 0.0.0.0 (all interfaces), as upstream's offline trainer does",
  ),
  port: option("--port <n>", `port (0 picks a free one)`, {
    parse: numberParser({ min: 0, max: 65535, integer: true }),
    default: OFFLINE_TRAINER_PORT,
  }),
  maxBodyBytes: option(
    "--max-body-bytes <n>",
    "largest request (its Prometheus responses; larger: 413)",
    { parse: numberParser({ min: 1024, integer: true }), default: 256 << 20 },
  ),
  requestTimeout: option(
    "--request-timeout <seconds>",
    "time for a request body to arrive after its headers (slower: 408)",
    { parse: numberParser({ min: 0.1 }), default: 300 },
  ),
  workers: option(
    "--workers <n>",
    "training threads (default: logical CPUs)",
    { parse: numberParser({ min: 1, max: 1024, integer: true }) },
  ),
} as const;

const JSON_HEADERS = { "content-type": "application/json" };

function error(status: number, message: string): HttpReply {
  return {
    status,
    headers: JSON_HEADERS,
    body: JSON.stringify({ error: message }),
  };
}

/** Answers one request; trainings run one after another on `queue`. */
function handler(
  context: CliContext,
  workers: number | undefined,
): (r: { method: string; path: string; body: Uint8Array }) => Promise<
  HttpReply
> {
  let queue: Promise<unknown> = Promise.resolve();
  return async (r) => {
    if (r.path !== "/train") return error(404, `No route ${r.path}`);
    if (r.method !== "POST") return error(405, "POST /train only");
    let request;
    try {
      request = parseOfflineTrainRequest(
        JSON.parse(new TextDecoder().decode(r.body)),
      );
    } catch (e) {
      return error(400, (e as Error).message);
    }
    const run = queue.then(() =>
      trainOffline(request, {
        modelPath: context.config.modelPath,
        log: (line) => context.err(line),
        ...(workers === undefined ? {} : { workers }),
      })
    );
    queue = run.catch(() => {});
    try {
      const { zip, report } = await run;
      context.err(
        `trained ${request.name} (${request.source}): ${report.models.length} models, ${report.failures.length} failures`,
      );
      return {
        status: 200,
        headers: {
          "content-type": "application/zip",
          "content-disposition": `attachment; filename="${request.name}.zip"`,
        },
        body: zip,
      };
    } catch (e) {
      const message = (e as Error).message;
      context.err(`cannot train ${request.name}: ${message}`);
      return e instanceof OfflineTrainError || e instanceof RangeError
        ? error(400, message)
        : error(500, `Cannot train ${request.name}: ${message}`);
    }
  };
}

/** The `offline-trainer` command. */
export const offlineTrainer = command({
  ...about("offline-trainer"),
  options: OPTIONS,
  async run(options, context) {
    const host = given(options.host);
    if (options.listenAll === true && host !== undefined) {
      throw new UsageError("--listen-all and --host exclude each other");
    }
    const hostname = options.listenAll === true
      ? "0.0.0.0"
      : host ?? "127.0.0.1";
    let server;
    try {
      server = serveHttp1({
        hostname,
        port: options.port,
        maxBodyBytes: options.maxBodyBytes,
        bodyTimeoutMs: options.requestTimeout * 1000,
      }, handler(context, options.workers));
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) {
        throw new Error(
          `Cannot listen on ${hostname}:${options.port}: address already in use (--port picks another)`,
          { cause: e },
        );
      }
      throw e;
    }
    const stop = () => {
      server.shutdown().catch(() => {});
    };
    // listening for signals before the first line: a supervisor that sends
    // SIGTERM right after it gets a clean stop
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    const { port } = server.addr;
    context.out(
      `Offline trainer on http://${hostname}:${port} (POST /train); Ctrl-C stops it`,
    );
    if (hostname !== "127.0.0.1" && hostname !== "localhost") {
      context.err(
        `warning: listening on ${hostname}: the trainer has no authentication and each request may take minutes of CPU; expose it only to trusted networks`,
      );
    }
    try {
      await server.finished;
    } finally {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    }
  },
});
