/**
 * `GET /models/v0.7/<pipeline>/<source>/<ot>/<FG>/<model>.{json,zip}`:
 * kepler-model-db's URL layout, so `MODEL_TOPURL` or Kepler's `*_INIT_URL`
 * can point at this server. Names are looked up among the served models,
 * never used as paths.
 *
 * @module
 */
import { parseModelName } from "../layout.ts";
import { ALL_FEATURE_GROUPS, ENERGY_SOURCES, OUTPUT_TYPES } from "../types.ts";
import type { HttpReply } from "../http1/mod.ts";
import { checkPipelineName, show } from "./_fields.ts";
import type { ServedModel } from "./pipeline_catalog.ts";
import { HttpError } from "./read_body.ts";
import {
  badRequest,
  JSON_HEADERS,
  type RouteContext,
} from "./route_context.ts";

/** A model file's address: its decoded path segments and file name parts. */
interface ModelFileName {
  decoded: string[];
  pipeline: string;
  source: string;
  ot: string;
  fg: string;
  model: string;
  ext: "json" | "zip";
}

/** The decoded path segments after `/models/v0.7/`, checked for shape. */
function pathSegments(pathname: string): string[] {
  const parts = pathname.split("/").slice(1);
  if (parts.length !== 7 || parts[1] !== "v0.7") {
    throw new HttpError(
      404,
      `No model file ${
        show(pathname.slice(0, 200))
      }: use /models/v0.7/<pipeline>/<source>/<output type>/<feature group>/<model>.json|.zip`,
    );
  }
  try {
    return parts.slice(2).map(decodeURIComponent);
  } catch {
    throw new HttpError(
      400,
      `Bad %-escape in ${show(pathname.slice(0, 200))}`,
    );
  }
}

/** Parses a model file path (400 or 404 when it cannot name one). */
function parseModelFilePath(pathname: string): ModelFileName {
  const decoded = pathSegments(pathname);
  const [pipeline, source, ot, fg, file] = decoded as [
    string,
    string,
    string,
    string,
    string,
  ];
  try {
    checkPipelineName(pipeline);
  } catch (error) {
    throw badRequest(error);
  }
  const m = /^(.+)\.(json|zip)$/.exec(file);
  if (m === null || parseModelName(m[1]!) === undefined) {
    throw new HttpError(
      400,
      `Invalid model file name ${
        show(file)
      }: expected <Trainer>_<node type>.json or .zip`,
    );
  }
  const ext = m[2] as "json" | "zip";
  return { decoded, pipeline, source, ot, fg, model: m[1]!, ext };
}

/** The served model a file path names (404 if none). */
function findModel(context: RouteContext, f: ModelFileName): ServedModel {
  const p = context.registry.pipelines.get(f.pipeline);
  const model = p?.models.find((x) =>
    x.source === f.source && x.outputType === f.ot &&
    x.featureGroup === f.fg && x.name === f.model
  );
  if (
    !(ENERGY_SOURCES as readonly string[]).includes(f.source) ||
    !(OUTPUT_TYPES as readonly string[]).includes(f.ot) ||
    !(ALL_FEATURE_GROUPS as readonly string[]).includes(f.fg) ||
    model === undefined
  ) {
    throw new HttpError(404, `No model ${f.decoded.join("/")} is served`);
  }
  return model;
}

/** The reply of `GET /models/v0.7/...`: a weight JSON or a model zip. */
export async function modelFileRoute(
  context: RouteContext,
  pathname: string,
): Promise<HttpReply> {
  const f = parseModelFilePath(pathname);
  const model = findModel(context, f);
  if (f.ext === "json") {
    if (model.weightBody === undefined) {
      throw new HttpError(
        404,
        `Model ${model.name} has no weight file (only weight-capable trainers have one)`,
      );
    }
    return { status: 200, headers: JSON_HEADERS, body: model.weightBody };
  }
  const zip = await model.archive();
  if (zip === undefined) {
    throw new HttpError(404, `Model ${model.name} has no archive`);
  }
  return {
    status: 200,
    headers: {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="${model.name}.zip"`,
    },
    body: zip,
  };
}
