import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import type { S3Connection } from "./connection.ts";
import { openObjectStore } from "./object_store.ts";

type Handler = (req: Request, url: URL) => Response | Promise<Response>;

async function withServer(
  handler: Handler,
  fn: (endpoint: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => handler(req, new URL(req.url)),
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

const hmac = (endpoint: string): S3Connection => ({
  provider: "aws",
  bucket: "b",
  region: "us-east-1",
  endpoint,
  forcePathStyle: true,
  auth: { kind: "hmac", accessKeyId: "AK", secretAccessKey: "SK" },
});

const xml = (body: string, status = 200, headers: HeadersInit = {}) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, {
    status,
    headers: { "content-type": "application/xml", ...headers },
  });

Deno.test("`listKeys()` follows continuation tokens across pages", async () => {
  const tokens: (string | null)[] = [];
  const pages: Record<string, string> = {
    "":
      "<IsTruncated>true</IsTruncated><NextContinuationToken>t+1/=</NextContinuationToken>" +
      "<Contents><Key>m1/a &amp; b.json</Key></Contents><Contents><Key>m1/c.json</Key></Contents>",
    "t+1/=":
      "<IsTruncated>false</IsTruncated><Contents><Key>m1/d.json</Key></Contents>",
  };
  await withServer((req, url) => {
    assertEquals(url.pathname, "/b");
    assertEquals(url.searchParams.get("list-type"), "2");
    assertEquals(url.searchParams.get("prefix"), "m1/");
    assert(req.headers.get("authorization")?.startsWith("AWS4-HMAC-SHA256 "));
    const token = url.searchParams.get("continuation-token");
    tokens.push(token);
    return xml(`<ListBucketResult>${pages[token ?? ""]}</ListBucketResult>`);
  }, async (endpoint) => {
    const store = await openObjectStore(hmac(endpoint));
    assertEquals(await store.listKeys("m1/"), [
      "m1/a & b.json",
      "m1/c.json",
      "m1/d.json",
    ]);
    store.close();
  });
  assertEquals(tokens, [null, "t+1/="]);
});

Deno.test("errors name the operation, the bucket, the location and S3's code, status and message", async () => {
  await withServer((req) => {
    if (req.method === "PUT") {
      return xml(
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
        403,
      );
    }
    return new Response(null, { status: 404, statusText: "Not Found" });
  }, async (endpoint) => {
    const store = await openObjectStore(hmac(endpoint));
    await assertRejects(
      () => store.putObject("m1/x.json", new Uint8Array([1])),
      (e: Error) => {
        assertEquals(
          e.message,
          `S3 upload of "m1/x.json" in bucket "b" at ${endpoint} failed: AccessDenied (HTTP 403): Access Denied`,
        );
        assertEquals((e.cause as Error).name, "AccessDenied");
        return true;
      },
    );
    await assertRejects(
      () => store.getObject("nope"),
      (e: Error) =>
        e.message ===
          `S3 download of "nope" in bucket "b" at ${endpoint} failed: NotFound (HTTP 404)`,
    );
    await assertRejects(
      () => store.listKeys(""),
      /S3 listing of "" in bucket "b" .* failed: NotFound \(HTTP 404\)/,
    );
    store.close();
  });
  const refused = await openObjectStore(hmac("http://127.0.0.1:9"), {
    maxAttempts: 1,
  });
  await assertRejects(
    () => refused.getObject("k"),
    /S3 download of "k" in bucket "b" at http:\/\/127\.0\.0\.1:9 failed: TypeError: /,
  );
});

Deno.test("`putObject()` retries 503 and SlowDown, and signs with the server's clock after RequestTimeTooSkewed", async () => {
  const seen: string[] = [];
  let calls = 0;
  const stored = new Map<string, Uint8Array>();
  await withServer(async (req, url) => {
    calls++;
    seen.push(req.headers.get("x-amz-date")!.slice(0, 4));
    if (calls === 1) return new Response("busy", { status: 503 });
    if (calls === 2) {
      return xml("<Error><Code>SlowDown</Code></Error>", 503);
    }
    if (calls === 3) {
      return xml(
        "<Error><Code>RequestTimeTooSkewed</Code></Error>",
        403,
        { date: "Tue, 01 Jan 2036 00:00:00 GMT" },
      );
    }
    assertEquals(req.headers.get("content-type"), "application/json");
    assertEquals(req.headers.get("user-agent"), "kepler-model");
    stored.set(url.pathname, new Uint8Array(await req.arrayBuffer()));
    return new Response(null);
  }, async (endpoint) => {
    const store = await openObjectStore(hmac(endpoint), { maxAttempts: 4 });
    await store.putObject("k.json", new Uint8Array([7]), "application/json");
    store.close();
  });
  assertEquals(calls, 4);
  assertEquals(seen.at(-1), "2036");
  assertEquals([...stored], [["/b/k.json", new Uint8Array([7])]]);
});

Deno.test("IBM IAM auth sends a bearer token and the service instance id, no signature", async () => {
  let tokens = 0;
  const fakeIam =
    (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input) === "http://iam.test/identity/token") {
        tokens++;
        return Response.json({ access_token: "T", expires_in: 3600 });
      }
      return await fetch(input, init);
    }) as typeof fetch;
  await withServer((req) => {
    assertEquals(req.headers.get("authorization"), "Bearer T");
    assertEquals(req.headers.get("ibm-service-instance-id"), "crn:1");
    assertEquals(req.headers.get("x-amz-date"), null);
    return new Response("body");
  }, async (endpoint) => {
    const store = await openObjectStore({
      provider: "ibmcloud",
      bucket: "b",
      region: "us-south",
      endpoint,
      forcePathStyle: true,
      auth: {
        kind: "iam",
        apiKey: "KEY",
        serviceInstanceId: "crn:1",
        iamEndpoint: "http://iam.test/identity/token",
      },
    }, { fetch: fakeIam });
    assertEquals(new TextDecoder().decode(await store.getObject("a")), "body");
    assertEquals(new TextDecoder().decode(await store.getObject("b")), "body");
    store.close();
  });
  assertEquals(tokens, 1);
});
