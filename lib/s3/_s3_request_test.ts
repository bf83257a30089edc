import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { s3Url, sha256Hex, signV4 } from "./_s3_request.ts";
import type { HmacAuth } from "./connection.ts";

// The worked examples of AWS's S3 API reference, "Signature Calculations for
// the Authorization Header: Transferring Payload in a Single Chunk"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
const EXAMPLE: HmacAuth = {
  kind: "hmac",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const AT = "20130524T000000Z";
const EXAMPLE_BUCKET = {
  bucket: "examplebucket",
  region: "us-east-1",
  endpoint: "https://s3.amazonaws.com",
  forcePathStyle: false,
};

async function signed(
  method: string,
  url: URL,
  headers: Record<string, string> = {},
  body?: Uint8Array,
): Promise<Headers> {
  const h = new Headers(headers);
  await signV4(method, url, h, EXAMPLE, "us-east-1", {
    datetime: AT,
    ...(body === undefined ? {} : { body }),
  });
  return h;
}

Deno.test("`signV4()` reproduces AWS's published S3 example signatures", async () => {
  const put = await signed(
    "PUT",
    s3Url(EXAMPLE_BUCKET, "test$file.text"),
    {
      date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
    },
    new TextEncoder().encode("Welcome to Amazon S3."),
  );
  assertEquals(
    put.get("x-amz-content-sha256"),
    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
  );
  assertEquals(
    put.get("authorization"),
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
  );
  assertEquals(put.get("x-amz-date"), AT);

  const lifecycle = await signed(
    "GET",
    new URL("https://examplebucket.s3.amazonaws.com/?lifecycle"),
  );
  assertEquals(
    lifecycle.get("authorization")?.split("Signature=")[1],
    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
  );

  // ListObjects: the query as s3Url() writes it, in the opposite order.
  const list = await signed(
    "GET",
    s3Url(EXAMPLE_BUCKET, undefined, [["prefix", "J"], ["max-keys", "2"]]),
  );
  assertEquals(
    list.get("authorization"),
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
  );
});

Deno.test("`signV4()` signs and sends a session token; content-type and user-agent stay unsigned", async () => {
  const h = new Headers({
    "content-type": "application/json",
    "user-agent": "kepler-model",
  });
  await signV4(
    "PUT",
    new URL("http://127.0.0.1:9000/b/k"),
    h,
    { ...EXAMPLE, sessionToken: "TOKEN" },
    "eu-west-1",
    { datetime: AT, body: new Uint8Array([1]) },
  );
  assertEquals(h.get("x-amz-security-token"), "TOKEN");
  assertEquals(
    /SignedHeaders=([^,]+)/.exec(h.get("authorization")!)?.[1],
    "host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
  );
  assertEquals(
    /Credential=([^,]+)/.exec(h.get("authorization")!)?.[1],
    "AKIAIOSFODNN7EXAMPLE/20130524/eu-west-1/s3/aws4_request",
  );
  assertEquals(
    await sha256Hex(new Uint8Array()),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("`s3Url()` addresses path-style, virtual-host and AWS's regional endpoints", () => {
  const aws = {
    bucket: "kepler-power-model",
    region: "us-east-2",
    forcePathStyle: false,
  };
  assertEquals(
    s3Url(aws, "m1/data/idle.json").href,
    "https://kepler-power-model.s3.us-east-2.amazonaws.com/m1/data/idle.json",
  );
  assertEquals(
    s3Url(aws, undefined, [["list-type", "2"], ["prefix", ""]]).href,
    "https://kepler-power-model.s3.us-east-2.amazonaws.com/?list-type=2&prefix=",
  );
  assertEquals(
    s3Url({ ...aws, region: "cn-north-1" }, "k").href,
    "https://kepler-power-model.s3.cn-north-1.amazonaws.com.cn/k",
  );
  // dots cannot be a TLS host label: path-style
  assertEquals(
    s3Url({ ...aws, bucket: "my.bucket" }, "k").href,
    "https://s3.us-east-2.amazonaws.com/my.bucket/k",
  );
  // an endpoint: path-style as connectionFromSecret() sets it, its base path kept
  const minio = {
    ...aws,
    endpoint: "http://127.0.0.1:9000/s3/",
    forcePathStyle: true,
  };
  assertEquals(
    s3Url(minio, "/m1/a b+c(1)*.json").href,
    "http://127.0.0.1:9000/s3/kepler-power-model//m1/a%20b%2Bc%281%29%2A.json",
  );
  assertEquals(
    s3Url(minio, undefined, [["prefix", "a b/ü"], [
      "continuation-token",
      "x+y==",
    ]]).search,
    "?prefix=a%20b%2F%C3%BC&continuation-token=x%2By%3D%3D",
  );
  // virtual-host on a named endpoint (IBM COS's public one)
  assertEquals(
    s3Url(
      {
        ...aws,
        endpoint: "https://s3.us-south.cloud-object-storage.appdomain.cloud",
      },
      "k",
    ).href,
    "https://kepler-power-model.s3.us-south.cloud-object-storage.appdomain.cloud/k",
  );
  assertThrows(() => s3Url(minio, "m1/../x"), RangeError);
});

// Signatures computed by botocore 1.43.11 (S3SigV4Auth, an implementation
// independent of aws4fetch) for requests with a session token, a key of
// reserved characters, an encoded ListObjectsV2 query, and upstream's
// `/`-prefixed key on a virtual-host URL.
Deno.test("`signV4()` agrees with botocore on awkward keys, queries and a session token", async () => {
  const auth: HmacAuth = {
    kind: "hmac",
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    sessionToken: "SESSIONTOKEN",
  };
  const local = {
    bucket: "kepler-power-model",
    region: "eu-west-1",
    endpoint: "http://127.0.0.1:9000",
    forcePathStyle: true,
  };
  const cases: [string, URL, Uint8Array | undefined, string, string][] = [
    [
      "PUT",
      s3Url(local, "m1/data/a b+c (1)*!'~.json"),
      new TextEncoder().encode('{"x": 1}'),
      "http://127.0.0.1:9000/kepler-power-model/m1/data/a%20b%2Bc%20%281%29%2A%21%27~.json",
      "aa32e5a4a71d3e0f0f44298cbce7ac9d5c79edb4c57eb7b90757f175f3e14dcc",
    ],
    [
      "GET",
      s3Url(local, undefined, [
        ["list-type", "2"],
        ["prefix", "m1/data/ü x"],
        ["continuation-token", "ab+c=="],
      ]),
      undefined,
      "http://127.0.0.1:9000/kepler-power-model?list-type=2&prefix=m1%2Fdata%2F%C3%BC%20x&continuation-token=ab%2Bc%3D%3D",
      "c472ee8c2c43283831ab8fa3ce5078d73ae9b6f21f8ec0088417c095e80144b8",
    ],
    [
      "GET",
      s3Url(
        { bucket: local.bucket, region: local.region, forcePathStyle: false },
        "/m1/data/idle.json",
      ),
      undefined,
      "https://kepler-power-model.s3.eu-west-1.amazonaws.com//m1/data/idle.json",
      "5ef3c4ff26cc3d4dd8fa3e8f873eb0dbf085fa947a0180f336a0450c0b0caf5d",
    ],
  ];
  for (const [method, url, body, href, signature] of cases) {
    assertEquals(url.href, href);
    const h = new Headers({ "content-type": "application/json" });
    await signV4(method, url, h, auth, "eu-west-1", {
      datetime: "20261204T170934Z",
      ...(body === undefined ? {} : { body }),
    });
    assertEquals(
      h.get("authorization"),
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=${signature}`,
      href,
    );
  }
});
