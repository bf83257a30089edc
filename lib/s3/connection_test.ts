import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { connectionFromSecret, parseSecretManifest } from "./connection.ts";

const AWS = {
  accessKeyID: "AKIA-SECRET-VALUE",
  accessSecret: "SK-SECRET-VALUE",
  regionName: "us-east-2",
  bucketName: "kepler-power-model",
};

Deno.test("`connectionFromSecret()` reads the AWS secret of seed 003", () => {
  assertEquals(connectionFromSecret(AWS), {
    provider: "aws",
    bucket: "kepler-power-model",
    region: "us-east-2",
    forcePathStyle: false,
    auth: {
      kind: "hmac",
      accessKeyId: "AKIA-SECRET-VALUE",
      secretAccessKey: "SK-SECRET-VALUE",
    },
  });
});

Deno.test("`connectionFromSecret()` takes an S3-compatible endpoint with path-style addressing", () => {
  const c = connectionFromSecret(
    { ...AWS, regionName: "" },
    { endpoint: "http://127.0.0.1:9000/", bucket: "other" },
  );
  assertEquals(
    [c.endpoint, c.forcePathStyle, c.region, c.bucket],
    ["http://127.0.0.1:9000", true, "us-east-1", "other"],
  );
});

Deno.test("`connectionFromSecret()` reads IBM COS with an API key or HMAC keys", () => {
  const iam = connectionFromSecret({
    serviceEndpoint: "https://s3.eu-de.cloud-object-storage.appdomain.cloud",
    apiKey: "K",
    serviceInstanceID: "crn:v1:x",
    bucketName: "b",
  });
  assertEquals(iam.auth, {
    kind: "iam",
    apiKey: "K",
    serviceInstanceId: "crn:v1:x",
    iamEndpoint: "https://iam.cloud.ibm.com/identity/token",
  });
  const hmac = connectionFromSecret({
    serviceEndpoint: "s3.eu-de.cloud-object-storage.appdomain.cloud",
    accessKeyID: "A",
    accessSecret: "S",
    bucketName: "b",
  }, { provider: "ibmcloud" });
  assertEquals([hmac.provider, hmac.auth.kind], ["ibmcloud", "hmac"]);
});

Deno.test("`connectionFromSecret()` names missing keys and never their values", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /No keys in the secret: is the secret deployed/],
    [{ ...AWS, bucketName: "" }, /has no bucketName key/],
    [{ ...AWS, accessSecret: "" }, /has accessKeyID but no accessSecret/],
    [{ ...AWS, regionName: " " }, /No AWS region: .* no regionName key/],
    [{ bucketName: "b", regionName: "r" }, /No AWS credentials/],
    [
      { apiKey: "K", bucketName: "b" },
      /IBM Cloud Object Storage needs an endpoint/,
    ],
    [
      { apiKey: "K", bucketName: "b", serviceEndpoint: "x.example" },
      /has apiKey but no serviceInstanceID/,
    ],
    [{ ...AWS, serviceEndpoint: "ftp://x" }, /expected an http or https URL/],
  ];
  for (const [secret, pattern] of cases) {
    assertThrows(
      () => connectionFromSecret(secret),
      (e: Error) => {
        if (!(e instanceof TypeError) || !pattern.test(e.message)) {
          throw new Error(`unexpected: ${e.message} (wanted ${pattern})`);
        }
        if (/SECRET-VALUE/.test(e.message)) {
          throw new Error(`leaks a value: ${e.message}`);
        }
        return true;
      },
    );
  }
});

Deno.test("`parseSecretManifest()` refuses what is not a Secret and bad base64", () => {
  assertThrows(
    () => parseSecretManifest("kind: ConfigMap\n", "x.yaml"),
    /x\.yaml: expected a Kubernetes manifest with kind: Secret/,
  );
  assertThrows(
    () =>
      parseSecretManifest("kind: Secret\ndata:\n  apiKey: '%%%'\n", "x.yaml"),
    /data\.apiKey is not base64/,
  );
  assertThrows(() => parseSecretManifest("kind: [", "x.yaml"), SyntaxError);
});
