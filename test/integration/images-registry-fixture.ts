// A real registry (Debian's docker-registry) on 127.0.0.1 and a free port, fed with skopeo,
// optionally behind a loopback token server (the bearer-token flow) or a misbehaving proxy.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `check` passes, retrying on each failure until `ms` pass. */
export async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** Scopes asked for, in order (to check the flow ran). */
  requests: { scope: string; user?: string }[];
  close(): Promise<void>;
}

/**
 * A token server for distribution's `auth: token`: answers GET /token with a JWT signed by a
 * key whose self-signed certificate (openssl) is the registry's rootcertbundle. Credentials
 * must be test:secret; anything else is 401.
 */
export async function startTokenServer(dir: string): Promise<TokenServer> {
  const keyFile = path.join(dir, 'token-key.pem');
  const certFile = path.join(dir, 'token-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=boxify-test-token'], { stdio: 'ignore' });
  const key = fs.readFileSync(keyFile);
  const certDer = new crypto.X509Certificate(fs.readFileSync(certFile)).raw.toString('base64');
  const service = 'boxify-test-registry';
  const issuer = 'boxify-test-issuer';
  const requests: TokenServer['requests'] = [];
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization;
    const user = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : undefined;
    const scopes = url.searchParams.getAll('scope');
    requests.push({ scope: scopes.join(' '), user: user?.split(':')[0] });
    if (user !== 'test:secret') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ details: 'bad credentials' }));
      return;
    }
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      return { type, name, actions: (actions ?? '').split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ typ: 'JWT', alg: 'RS256', x5c: [certDer] });
    const claims = b64({ iss: issuer, sub: 'test', aud: service, exp: now + 600, nbf: now - 60, iat: now, jti: crypto.randomBytes(8).toString('hex'), access });
    const sig = crypto.sign('RSA-SHA256', Buffer.from(`${head}.${claims}`), key).toString('base64url');
    const token = `${head}.${claims}.${sig}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 600, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface Registry {
  host: string; // 127.0.0.1:PORT
  stop(): Promise<void>;
}

export async function startRegistry(dir: string, token?: TokenServer): Promise<Registry> {
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const auth = token
    ? `auth:\n  token:\n    realm: ${token.realm}\n    service: ${token.service}\n    issuer: ${token.issuer}\n    rootcertbundle: ${token.certFile}\n`
    : '';
  const config = path.join(dir, 'config.yml');
  // Port 0: the kernel picks a free port and the registry logs it, so parallel test files
  // can never race for the same port.
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\n  secret: ${crypto.randomBytes(8).toString('hex')}\n${auth}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let host: string | undefined;
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    host ??= /listening on (127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
  });
  let exited = false;
  // Also when the test process ends without its teardown (a timeout): never leave it running.
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);
  child.on('exit', () => {
    exited = true;
    process.off('exit', onExit);
  });
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  try {
    await waitFor('the registry to answer', async () => {
      if (exited) throw new Error(`docker-registry exited: ${stderr}`);
      if (!host) return false;
      const s = await httpStatus(`http://${host}/v2/`);
      return s === 200 || s === 401;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: host!, stop };
}

/** `skopeo copy` of an OCI layout tag to the registry (with `--all` for manifest lists). */
export async function push(ociDir: string, tag: string, dest: string, opts: { all?: boolean; creds?: string } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false'];
  if (opts.all) args.push('--all');
  if (opts.creds) args.push('--dest-creds', opts.creds);
  args.push(`oci:${ociDir}:${tag}`, `docker://${dest}`);
  // Asynchronous: the token server skopeo talks to runs in this process.
  await new Promise<void>((resolve, reject) => {
    execFile('skopeo', args, (err, _out, stderr) => (err ? reject(new Error(`skopeo ${args.join(' ')}: ${stderr}`)) : resolve()));
  });
}

/**
 * A proxy in front of the registry that misbehaves for one blob: answers 500, or sends half
 * of it and drops the connection.
 */
export async function startFaultyProxy(upstream: string, digest: string, mode: '500' | 'drop'): Promise<{ host: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url?.includes(`/blobs/${digest}`)) {
      if (mode === '500') {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage exploded' }] }));
        return;
      }
    }
    const up = http.request(`http://${upstream}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
      if (mode === 'drop' && req.url?.includes(`/blobs/${digest}`) && ur.statusCode === 200) {
        res.writeHead(200, ur.headers);
        let sent = 0;
        const half = Number(ur.headers['content-length'] ?? 0) / 2;
        ur.on('data', (c: Buffer) => {
          if (sent < half) {
            res.write(c.subarray(0, Math.max(0, Math.min(c.length, half - sent))));
            sent += c.length;
            if (sent >= half) res.socket?.destroy();
          }
        });
        return;
      }
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
