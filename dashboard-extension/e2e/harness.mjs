// Runs the real service for the e2e suite: a seeded PostgreSQL database, `saleor-distribution
// serve` on a free port, a fake dashboard page on another origin, and Debian's Chromium
// driven by playwright-core. Tokens are minted here with the key whose JWKS the seeded
// installation holds, shaped like Saleor's (APP-CONTRACT §4.3).
import { spawn, spawnSync } from "node:child_process";
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..");
export const SCREENSHOTS = join(HERE, "screenshots");
export const APP_ID = "QXBwOjE=";
const PYTHON = process.env.E2E_PYTHON ?? join(REPO, ".venv", "bin", "python");
const CLI = process.env.E2E_CLI ?? join(REPO, ".venv", "bin", "saleor-distribution");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const b64url = (data) => Buffer.from(data).toString("base64url");

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function e2eDatabaseUrl() {
  const base = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/saleor_distribution";
  const url = new URL(base);
  const name = url.pathname.slice(1);
  url.pathname = `/${name.endsWith("_e2e") ? name : `${name}_e2e`}`;
  return url.toString();
}

class SigningKey {
  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: "jwk" });
    // RFC 7638 thumbprint, as Saleor computes its `kid`.
    this.kid = b64url(createHash("sha256").update(JSON.stringify({ e: jwk.e, kty: "RSA", n: jwk.n })).digest());
    this.jwk = { ...jwk, use: "sig", kid: this.kid, alg: "RS256", key_ops: ["verify"] };
  }

  sign(claims) {
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(this.privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }
}

async function waitFor(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function startEnvironment() {
  const key = new SigningKey();
  const work = mkdtempSync(join(tmpdir(), "sd-e2e-"));
  const jwksPath = join(work, "jwks.json");
  writeFileSync(jwksPath, JSON.stringify({ keys: [key.jwk] }));
  const apiUrl = "https://shop.e2e.example/graphql/"; // never called: the JWKS is seeded
  const env = {
    ...process.env,
    DATABASE_URL: e2eDatabaseUrl(),
    SECRET_KEY: randomBytes(32).toString("hex"),
    // A Fernet key: url-safe base64 of 32 random bytes.
    SECRETS_ENCRYPTION_KEYS: `${randomBytes(32).toString("base64url")}=`,
    ENV_FILE: "/dev/null",
    LOG_LEVEL: "WARNING",
    DEBUG: "false",
  };
  const seeded = spawnSync(PYTHON, [join(HERE, "seed.py"), jwksPath, apiUrl, APP_ID], { env, encoding: "utf8" });
  if (seeded.status !== 0) throw new Error(`seeding failed:\n${seeded.stderr}`);
  const seed = JSON.parse(seeded.stdout.trim().split("\n").at(-1));

  const port = await freePort();
  const appOrigin = `http://127.0.0.1:${port}`;
  const service = spawn(CLI, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    env: { ...env, APP_URL: appOrigin },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serviceLog = "";
  service.stdout.on("data", (d) => (serviceLog += d));
  service.stderr.on("data", (d) => (serviceLog += d));
  await waitFor(`${appOrigin}/health`, 30000, service);

  // The fake dashboard lives on another origin, like a real Saleor dashboard.
  const hostHtml = readFileSync(join(HERE, "host.html"));
  const host = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(hostHtml);
  });
  const hostPort = await freePort();
  await new Promise((resolve) => host.listen(hostPort, "localhost", resolve));
  const hostOrigin = `http://localhost:${hostPort}`;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    // playwright-core gives every launch a fresh, empty user-data-dir of its own.
  });

  const env$ = {
    seed,
    appOrigin,
    apiUrl,
    browser,
    log: () => serviceLog,
    staffToken(permissions = ["MANAGE_USERS", "MANAGE_ORDERS"], extra = {}) {
      const now = Math.floor(Date.now() / 1000);
      return key.sign({
        iat: now,
        exp: now + 300,
        iss: apiUrl,
        owner: "saleor",
        type: "thirdparty",
        user_id: "VXNlcjox",
        email: "staff@example.com",
        is_staff: true,
        token: "revocation-key",
        app: APP_ID,
        user_permissions: permissions,
        permissions,
        ...extra,
      });
    },
    customerToken(userId, email = "chen.xiaoyu@example.com") {
      const now = Math.floor(Date.now() / 1000);
      return key.sign({ iat: now, exp: now + 300, iss: apiUrl, owner: "saleor", type: "access", user_id: userId, email, is_staff: false, token: "revocation-key" });
    },
    /** POST /graphql/ as the dashboard extension does. */
    async graphql(query, variables = {}, token = env$.staffToken()) {
      const response = await fetch(`${appOrigin}/graphql/`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, "Saleor-Api-Url": apiUrl },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    },
    /** The contract fields the running API does not have yet ("Type.field"). */
    async missingFields(fields) {
      const { body } = await env$.graphql("{ __schema { types { name fields { name } inputFields { name } } } }");
      const types = new Map((body.data?.__schema.types ?? []).map((t) => [t.name, new Set([...(t.fields ?? []), ...(t.inputFields ?? [])].map((f) => f.name))]));
      return fields.filter((f) => {
        const [type, field] = f.split(".");
        return !types.get(type)?.has(field);
      });
    },
    /** A 1440×900 page showing the fake dashboard with the extension at `path`. */
    async open(path, { token = env$.staffToken(), locale = "zh-Hans", query = {} } = {}) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const src = new URL(`/dashboard${path}`, appOrigin);
      const params = { saleorApiUrl: apiUrl, id: APP_ID, domain: new URL(apiUrl).host, theme: "light", ...query };
      for (const [name, value] of Object.entries(params)) src.searchParams.set(name, value);
      const url = `${hostOrigin}/?${new URLSearchParams({ src: src.toString(), token, locale })}`;
      await page.goto(url);
      const frame = page.frameLocator("#app");
      return { page, frame };
    },
    async stop() {
      await browser.close().catch(() => undefined);
      host.close();
      service.kill("SIGTERM");
      await new Promise((resolve) => (service.exitCode !== null ? resolve() : service.once("exit", resolve)));
    },
  };
  return env$;
}
