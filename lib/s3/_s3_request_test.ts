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
