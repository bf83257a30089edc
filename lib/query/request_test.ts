import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { fetchMetricNames } from "./fetch_metric_names.ts";
import { PrometheusError } from "./prometheus_error.ts";
import { createTransport, requestApi } from "./request.ts";

const TLS = new URL("../../test/fixtures/tls/", import.meta.url);
const FAST = { backoffMs: 1, maxBackoffMs: 2 } as const;

function serve(
  handler: (req: Request) => Response | Promise<Response>,
  tls?: { cert: string; key: string },
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...tls },
    handler,
  );
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const OK = () =>
  Response.json({ status: "success", data: ["kepler_node_info"] });

Deno.test("`requestApi()` retries 5xx answers with backoff and then succeeds", async () => {
  let calls = 0;
  const server = serve(() =>
    ++calls <= 2
      ? Response.json({ status: "error", error: "overloaded" }, { status: 503 })
      : OK()
  );
  try {
    const names = await fetchMetricNames(
      `http://127.0.0.1:${server.addr.port}`,
      FAST,
    );
    assertEquals(names, ["kepler_node_info"]);
    assertEquals(calls, 3);
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` gives up after the retries with a PrometheusError naming the server", async () => {
  let calls = 0;
  const server = serve(() => {
    calls++;
    return new Response("boom", { status: 502, statusText: "Bad Gateway" });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    const error = await fetchMetricNames(url, { ...FAST, retries: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert(error instanceof PrometheusError);
    assertEquals([error.server, error.status, error.attempts, calls], [
      url,
      502,
      3,
      3,
    ]);
    assert(error.message.includes(`Prometheus at ${url}`), error.message);
    assert(error.message.includes("HTTP 502 Bad Gateway"), error.message);
    assert(error.message.includes("gave up after 3 attempts"), error.message);
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` does not retry an API error and reports Prometheus' message", async () => {
  let calls = 0;
  const server = serve(() => {
    calls++;
    return Response.json({
      status: "error",
      errorType: "bad_data",
      error: "exceeded maximum resolution of 11,000 points per timeseries",
    }, { status: 400 });
  });
  try {
    await assertRejects(
      () => fetchMetricNames(`http://127.0.0.1:${server.addr.port}`, FAST),
      (e: unknown) =>
        e instanceof PrometheusError && e.status === 400 &&
        /rejected list of metric names \(HTTP 400\): bad_data: exceeded maximum resolution/
          .test(e.message),
    );
    assertEquals(calls, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` says a non-Prometheus answer may be a wrong base URL", async () => {
  const server = serve(() =>
    new Response("<html>404 page not found</html>", { status: 404 })
  );
  const url = `http://127.0.0.1:${server.addr.port}/not-prometheus`;
  try {
    await assertRejects(
      () => fetchMetricNames(url, FAST),
      (e: unknown) =>
        e instanceof PrometheusError &&
        e.message.includes(`is ${url} the Prometheus base URL?`) &&
        e.message.includes(
          `${url}/api/v1/label/__name__/values answered HTTP 404`,
        ),
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` retries refused connections, then names the server", async () => {
  const url = `http://127.0.0.1:${freePort()}`;
  await assertRejects(
    () => fetchMetricNames(url, { ...FAST, retries: 2 }),
    (e: unknown) =>
      e instanceof PrometheusError && e.attempts === 3 &&
      e.status === undefined &&
      e.message.startsWith(
        `Cannot query Prometheus at ${url} (list of metric names):`,
      ) &&
      /refused/i.test(e.message),
  );
});

Deno.test("`requestApi()` times out a silent server and retries", async () => {
  let calls = 0;
  const pending: (() => void)[] = [];
  const server = serve(async () => {
    calls++;
    await new Promise<void>((resolve) => pending.push(resolve));
    return OK();
  });
  try {
    await assertRejects(
      () =>
        fetchMetricNames(`http://127.0.0.1:${server.addr.port}`, {
          ...FAST,
          retries: 1,
          timeoutMs: 100,
        }),
      (e: unknown) =>
        e instanceof PrometheusError && e.attempts === 2 &&
        e.message.includes("no answer within 100 ms"),
    );
    assertEquals(calls, 2);
  } finally {
    pending.forEach((resolve) => resolve());
    await server.shutdown();
  }
});

Deno.test("`createTransport()` sends basic auth and extra headers", async () => {
  let seen: Headers | undefined;
  const server = serve((req) => {
    seen = req.headers;
    return OK();
  });
  try {
    await fetchMetricNames(`http://127.0.0.1:${server.addr.port}`, {
      username: "kepler",
      password: "pässword",
      headers: { "X-Scope-OrgID": "tenant-1" },
    });
    const expected = "Basic " + btoa(
      String.fromCharCode(...new TextEncoder().encode("kepler:pässword")),
    );
    assertEquals(seen?.get("authorization"), expected);
    assertEquals(seen?.get("x-scope-orgid"), "tenant-1");
  } finally {
    await server.shutdown();
  }
});

Deno.test("`createTransport()` refuses both a bearer token and a user name", () => {
  assertThrows(
    () =>
      createTransport("http://127.0.0.1:1", {
        bearerToken: "t",
        username: "u",
      }),
    RangeError,
  );
  assertThrows(
    () => createTransport("localhost:9090"),
    /expected http:\/\/host:port/,
  );
});

Deno.test("`requestApi()` rejects an untrusted TLS certificate at once, with the switch to skip verification", async () => {
  const cert = await Deno.readTextFile(new URL("cert.pem", TLS));
  const key = await Deno.readTextFile(new URL("key.pem", TLS));
  let calls = 0;
  const server = serve(() => {
    calls++;
    return OK();
  }, { cert, key });
  try {
    await assertRejects(
      () => fetchMetricNames(`https://127.0.0.1:${server.addr.port}`, FAST),
      (e: unknown) =>
        e instanceof PrometheusError && e.attempts === 1 &&
        e.message.includes("PROM_SSL_DISABLE=true"),
    );
    assertEquals(calls, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` skips TLS verification with insecureSkipVerify (PROM_SSL_DISABLE)", async () => {
  const cert = await Deno.readTextFile(new URL("cert.pem", TLS));
  const key = await Deno.readTextFile(new URL("key.pem", TLS));
  let auth: string | null = null;
  const server = serve((req) => {
    auth = req.headers.get("authorization");
    return OK();
  }, { cert, key });
  try {
    const names = await fetchMetricNames(
      `https://127.0.0.1:${server.addr.port}`,
      {
        insecureSkipVerify: true,
        bearerToken: "secret",
      },
    );
    assertEquals(names, ["kepler_node_info"]);
    assertEquals(auth, "Bearer secret");
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` verifies TLS against given CA certificates", async () => {
  const cert = await Deno.readTextFile(new URL("cert.pem", TLS));
  const key = await Deno.readTextFile(new URL("key.pem", TLS));
  const ca = await Deno.readTextFile(new URL("ca.pem", TLS));
  const server = serve(OK, { cert, key });
  try {
    const names = await fetchMetricNames(
      `https://127.0.0.1:${server.addr.port}`,
      {
        caCerts: [ca],
      },
    );
    assertEquals(names, ["kepler_node_info"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("`requestApi()` stops at once when the caller aborts", async () => {
  const controller = new AbortController();
  const server = serve(() => {
    controller.abort(new Error("user stop"));
    return new Response("", { status: 503 });
  });
  const transport = createTransport(`http://127.0.0.1:${server.addr.port}`);
  try {
    await assertRejects(
      () =>
        requestApi(transport, { path: "api/v1/x", params: {}, what: "x" }, {
          signal: controller.signal,
          backoffMs: 60_000,
        }),
      /user stop/,
    );
  } finally {
    transport.close();
    await server.shutdown();
  }
});
