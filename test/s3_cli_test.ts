/**
 * `s3-push` and `s3-load` run with exactly their deno tasks' permissions
 * against a local S3-compatible server (the s3rver CLI on 127.0.0.1, see
 * ./_s3rver.ts): AWS-style access keys, IBM Cloud's IAM bearer tokens (an
 * IAM stand-in and a proxy in front of s3rver that checks the token, as IBM
 * COS does), Secret manifests and mounted secret folders, and the errors a
 * user meets. (Upstream's `/`-prefixed keys, which s3rver cannot store, are
 * covered in lib/s3/s3_load_test.ts.)
 *
 * s3rver checks the access key id but not the Signature V4 itself; the
 * signing is checked against AWS's published examples in
 * lib/s3/_s3_request_test.ts. The tests that need s3rver are skipped with a
 * message when its CLI is missing and CI is unset.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";
import { requireS3rver, startS3rver } from "./_s3rver.ts";
import {
  type ObjectStore,
  openObjectStore,
  type S3Connection,
} from "../lib/s3/mod.ts";

const BUCKET = "kepler-power-model";
const s3rver = requireS3rver();

interface LocalS3 {
  url: string;
  directory: string;
  store(): Promise<ObjectStore>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function startS3(): Promise<LocalS3> {
  const server = await startS3rver({ buckets: [BUCKET] });
  return {
    url: server.url,
    directory: server.directory,
    store: () =>
      openObjectStore(
        {
          provider: "aws",
          bucket: BUCKET,
          region: "us-east-1",
          endpoint: server.url,
          forcePathStyle: true,
          auth: {
            kind: "hmac",
            accessKeyId: "S3RVER",
            secretAccessKey: "S3RVER",
          },
        } satisfies S3Connection,
      ),
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

async function workspace(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kepler_s3_ws_" });
  await Deno.mkdir(join(dir, "data/machine_spec"), { recursive: true });
  await Deno.mkdir(join(dir, "models/p1/rapl-sysfs/AbsPower/BPFOnly"), {
    recursive: true,
  });
  await Deno.writeTextFile(join(dir, "data/kepler_query.json"), '{"q": 1}');
  await Deno.writeTextFile(join(dir, "data/idle.json"), '{"idle": 1}');
  await Deno.writeTextFile(
    join(dir, "data/stressng.json"),
    '{"startTimeUTC": "2024-07-25T21:05:43Z", "endTimeUTC": "2024-07-25T22:05:43Z"}',
  );
  await Deno.writeTextFile(join(dir, "data/machine_spec/m1.json"), "{}");
  await Deno.writeTextFile(join(dir, "data/unrelated.json"), "{}");
  await Deno.writeTextFile(join(dir, "models/p1/metadata.json"), "{}");
  await Deno.writeFile(
    join(dir, "models/p1/rapl-sysfs/AbsPower/BPFOnly/m.zip"),
    new Uint8Array([80, 75, 3, 4, 0, 255]),
  );
  await Deno.writeTextFile(join(dir, "models/p1.zip"), "zip");
  return dir;
}

async function secretDir(values: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kepler_secret_" });
  // As Kubernetes mounts a secret: files are links into a hidden ..data folder.
  const data = join(dir, "..2024_01_01_00_00_00.000000000");
  await Deno.mkdir(data);
  await Deno.symlink(data, join(dir, "..data"));
  for (const [key, value] of Object.entries(values)) {
    await Deno.writeTextFile(join(data, key), value);
    await Deno.symlink(join("..data", key), join(dir, key));
  }
  return dir;
}

function env(ws: string, extra: Record<string, string> = {}) {
  return {
    DATAPATH: join(ws, "data"),
    MODEL_PATH: join(ws, "models"),
    ...extra,
  };
}

function describe(r: { code: number; stdout: string; stderr: string }) {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

const PUSHED = [
  "m1/data/idle.json",
  "m1/data/kepler_query.json",
  "m1/data/machine_spec/m1.json",
  "m1/data/stressng.json",
  "models/p1.zip",
  "models/p1/metadata.json",
  "models/p1/rapl-sysfs/AbsPower/BPFOnly/m.zip",
];

Deno.test({
  name:
    "`s3-push` then `s3-load` round-trip through a local S3 server with the tasks' permissions",
  ignore: s3rver.ignore,
  fn: async () => {
    await using s3 = await startS3();
    const ws = await workspace();
    const back = await Deno.makeTempDir({ prefix: "kepler_s3_back_" });
    const secret = await secretDir({
      accessKeyID: "S3RVER",
      accessSecret: "S3RVER",
      regionName: "us-east-1",
      bucketName: BUCKET,
      serviceEndpoint: s3.url,
    });
    try {
      // AWS_* variables in the environment are ignored: the secret decides.
      const push = await runTask("s3-push", [
        "--secret",
        secret,
        "--machine-id",
        "m1",
        "-p",
        "p1",
      ], {
        env: env(ws, {
          AWS_ACCESS_KEY_ID: "WRONG",
          AWS_SECRET_ACCESS_KEY: "WRONG",
          AWS_ENDPOINT_URL: "http://127.0.0.1:9",
          AWS_REGION: "nowhere-1",
        }),
      });
      assertEquals(push.code, 0, describe(push));
      assertMatch(
        push.stdout,
        new RegExp(
          `^Pushed 7 objects \\(.*\\) to bucket "${BUCKET}" at ${s3.url}`,
        ),
      );
      assertMatch(push.stderr, /pushed models\/p1\.zip/);
      const store = await s3.store();
      try {
        assertEquals((await store.listKeys("")).sort(), PUSHED);
      } finally {
        store.close();
      }

      const load = await runTask("s3-load", [
        "--secret",
        secret,
        "--machine-id=m1",
        "--pipeline-name=p1",
        "--quiet",
      ], { env: env(back) });
      assertEquals(load.code, 0, describe(load));
      assertMatch(load.stdout, /^Loaded 7 objects from bucket/);
      for (
        const rel of [
          "data/kepler_query.json",
          "data/idle.json",
          "data/stressng.json",
          "data/machine_spec/m1.json",
          "models/p1/metadata.json",
          "models/p1/rapl-sysfs/AbsPower/BPFOnly/m.zip",
          "models/p1.zip",
        ]
      ) {
        assertEquals(
          await Deno.readFile(join(back, rel)),
          await Deno.readFile(join(ws, rel)),
          rel,
        );
      }
      let unrelated = true;
      await Deno.stat(join(back, "data/unrelated.json")).catch(() =>
        unrelated = false
      );
      assertEquals(unrelated, false);
    } finally {
      for (const d of [ws, back, secret]) {
        await Deno.remove(d, { recursive: true });
      }
    }
  },
});

Deno.test({
  name:
    "`s3-push` reads a Secret manifest; a wrong key fails with one line that names the bucket, not the secret",
  ignore: s3rver.ignore,
  fn: async () => {
    await using s3 = await startS3();
    const ws = await workspace();
    const dir = await Deno.makeTempDir({ prefix: "kepler_s3_manifest_" });
    try {
      const manifest = (await Deno.readTextFile(
        new URL("../tekton/secrets/aws-cos-secret.yaml", import.meta.url),
      ))
        .replace("${AWS_ACCESS_KEY_ID}", "S3RVER")
        .replace("${AWS_SECRET_ACCESS_KEY}", "S3RVER")
        .replace("${AWS_REGION}", "us-east-1")
        .replace("stringData:", `stringData:\n  serviceEndpoint: ${s3.url}`);
      await Deno.writeTextFile(join(dir, "secret.yaml"), manifest);
      const ok = await runTask("s3-push", [
        "--secret",
        join(dir, "secret.yaml"),
        "--provider",
        "aws",
      ], { env: env(ws) });
      assertEquals(ok.code, 0, describe(ok));
      const store = await s3.store();
      try {
        assertEquals((await store.listKeys("data/")).sort(), [
          "data/idle.json",
          "data/kepler_query.json",
          "data/stressng.json",
        ]);
      } finally {
        store.close();
      }

      await Deno.writeTextFile(
        join(dir, "wrong.yaml"),
        manifest.replace("accessKeyID: S3RVER", "accessKeyID: NOT-A-KEY-7731"),
      );
      const wrong = await runTask("s3-push", [
        "--secret",
        join(dir, "wrong.yaml"),
      ], { env: env(ws) });
      assertEquals(wrong.code, 1, describe(wrong));
      assertMatch(
        wrong.stderr,
        new RegExp(
          `kepler-model: error: S3 upload of ".*" in bucket "${BUCKET}" at ${s3.url} failed: InvalidAccessKeyId \\(HTTP 403\\)`,
        ),
      );
      assertEquals(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
      assert(!wrong.stderr.includes("NOT-A-KEY-7731"));
    } finally {
      await Deno.remove(ws, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "`s3-push` with IBM Cloud's API key sends IAM bearer tokens and the service instance id",
  ignore: s3rver.ignore,
  fn: async () => {
    await using s3 = await startS3();
    let tokenRequests = 0;
    const iam = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (req) => {
        const body = new URLSearchParams(await req.text());
        tokenRequests++;
        if (body.get("apikey") !== "IBM-KEY") {
          return Response.json({
            errorMessage: "Provided API key could not be found.",
          }, {
            status: 400,
          });
        }
        assertEquals(
          body.get("grant_type"),
          "urn:ibm:params:oauth:grant-type:apikey",
        );
        return Response.json({
          access_token: "BEARER-1",
          token_type: "Bearer",
          expires_in: 3600,
        });
      },
    );
    const seen: string[] = [];
    // IBM COS stand-in: checks the token and instance id, then forwards to s3rver.
    const cos = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (req) => {
        const auth = req.headers.get("authorization");
        const instance = req.headers.get("ibm-service-instance-id");
        seen.push(`${auth} ${instance}`);
        if (auth !== "Bearer BEARER-1" || instance !== "crn:v1:test") {
          return new Response(
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            { status: 403, headers: { "content-type": "application/xml" } },
          );
        }
        const url = new URL(req.url);
        const headers = new Headers(req.headers);
        headers.delete("authorization");
        headers.delete("host");
        const forwarded = await fetch(`${s3.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers,
          body: req.method === "PUT" ? await req.arrayBuffer() : null,
        });
        return new Response(forwarded.body, {
          status: forwarded.status,
          headers: forwarded.headers,
        });
      },
    );
    const ws = await workspace();
    const ibm = (apiKey: string) =>
      secretDir({
        serviceEndpoint: `http://127.0.0.1:${cos.addr.port}`,
        apiKey,
        serviceInstanceID: "crn:v1:test",
        bucketName: BUCKET,
        iamEndpoint: `http://127.0.0.1:${iam.addr.port}/identity/token`,
      });
    const good = await ibm("IBM-KEY");
    const bad = await ibm("WRONG-KEY");
    try {
      const push = await runTask("s3-push", [
        "--secret",
        good,
        "--provider=ibmcloud",
        "--machine-id=m1",
        "--pipeline-name=p1",
      ], { env: env(ws) });
      assertEquals(push.code, 0, describe(push));
      assertEquals(tokenRequests, 1, "one token for all requests");
      assertEquals(seen.length, 7);
      assert(
        seen.every((s) => s === "Bearer BEARER-1 crn:v1:test"),
        seen.join(),
      );
      const store = await s3.store();
      try {
        assertEquals((await store.listKeys("")).sort(), PUSHED);
      } finally {
        store.close();
      }
      const refused = await runTask("s3-push", ["--secret", bad], {
        env: env(ws),
      });
      assertEquals(refused.code, 1, describe(refused));
      assertMatch(
        refused.stderr,
        /IBM Cloud IAM at http:\/\/127\.0\.0\.1:\d+\/identity\/token refused the API key: HTTP 400 \(Provided API key could not be found\.\)/,
      );
      assert(!refused.stderr.includes("WRONG-KEY"));
    } finally {
      await iam.shutdown();
      await cos.shutdown();
      for (const d of [ws, good, bad]) {
        await Deno.remove(d, { recursive: true });
      }
    }
  },
});

Deno.test({
  name:
    "`openObjectStore()` puts, lists and gets keys with spaces, reserved and non-ASCII characters on s3rver",
  ignore: s3rver.ignore,
  fn: async () => {
    await using s3 = await startS3();
    const store = await s3.store();
    const keys = [
      "m1/data/a b+c (1)*!'~.json",
      "m1/data/ünïcode/€=&?.json",
      "m1/data/plain.json",
    ];
    try {
      for (const [i, key] of keys.entries()) {
        await store.putObject(
          key,
          new Uint8Array([i, 255]),
          "application/json",
        );
      }
      assertEquals((await store.listKeys("m1/data/")).sort(), [...keys].sort());
      assertEquals(await store.getObject(keys[1]!), new Uint8Array([1, 255]));
    } finally {
      store.close();
    }
  },
});

Deno.test("`s3-push` and `s3-load` say what is missing: the secret, its keys, the data, the pipeline", async () => {
  const ws = await workspace();
  const empty = await Deno.makeTempDir({ prefix: "kepler_s3_empty_" });
  const noSecret = await secretDir({});
  try {
    const missing = await runTask("s3-push", [], { env: env(ws) });
    assertEquals(missing.code, 2, describe(missing));
    assertMatch(missing.stderr, /missing required option --secret <path>/);

    const undeployed = await runTask("s3-push", ["--secret", noSecret], {
      env: env(ws),
    });
    assertEquals(undeployed.code, 1, describe(undeployed));
    assertMatch(
      undeployed.stderr,
      /No keys in the secret .*: is the secret deployed \(and mounted\)\?/,
    );

    const partial = await secretDir({
      accessKeyID: "A",
      bucketName: BUCKET,
      regionName: "r",
    });
    const incomplete = await runTask("s3-load", ["--secret", partial], {
      env: env(ws),
    });
    await Deno.remove(partial, { recursive: true });
    assertEquals(incomplete.code, 1, describe(incomplete));
    assertMatch(incomplete.stderr, /has accessKeyID but no accessSecret/);

    const nothing = await runTask("s3-push", ["--dry-run"], {
      env: env(empty),
    });
    assertEquals(nothing.code, 1, describe(nothing));
    assertMatch(
      nothing.stderr,
      /Nothing to push: none of kepler_query\.json, idle\.json, stressng\.json/,
    );

    const noPipeline = await runTask("s3-push", ["--dry-run", "-p", "nope"], {
      env: env(ws),
    });
    assertEquals(noPipeline.code, 1, describe(noPipeline));
    assertMatch(
      noPipeline.stderr,
      /Cannot push pipeline nope: .*models\/nope is not a folder/,
    );

    const dry = await runTask("s3-push", [
      "--dry-run",
      "-p",
      "p1",
      "--machine-id",
      "m1",
    ], {
      env: env(ws),
    });
    assertEquals(dry.code, 0, describe(dry));
    assertEquals(
      dry.stdout.trim().split("\n").slice(0, -1).map((l) => l.split(" <- ")[0])
        .sort(),
      PUSHED,
    );

    const badProvider = await runTask("s3-load", [
      "--secret",
      noSecret,
      "--provider",
      "gcs",
    ], {
      env: env(ws),
    });
    assertEquals(badProvider.code, 2, describe(badProvider));
    assertMatch(
      badProvider.stderr,
      /Unknown object storage provider "gcs": valid values are aws, ibmcloud/,
    );
  } finally {
    for (const d of [ws, empty, noSecret]) {
      await Deno.remove(d, { recursive: true });
    }
  }
});
