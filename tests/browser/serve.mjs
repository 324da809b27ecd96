// serve.mjs: a tiny static file server for a built plansite site, on
// 127.0.0.1 with an ephemeral port (or the one asked for).
//
//   node tests/browser/serve.mjs DIR [PORT]     serve DIR until interrupted
//   import { startServer } from './serve.mjs'   const s = await startServer(DIR)
//                                               s.url ("http://127.0.0.1:N/"), s.close()
//
// A folder URL serves the folder's index.html (a folder asked for without its
// trailing slash is redirected to it, as a real web server does); a missing
// path gets the site's 404.html with status 404. Nothing outside DIR is
// ever served.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.ics': 'text/calendar; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
}

function isFile(p) {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}
function isDir(p) {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

// Returns { status, file?, location? } for a request path.
export function resolveRequest(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return { status: 400 };
  }
  if (rel.includes('\0')) return { status: 400 };
  const full = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (full !== root && !full.startsWith(root + path.sep)) return { status: 404 };
  if (isDir(full)) {
    if (!rel.endsWith('/')) return { status: 301, location: urlPath.split('?')[0] + '/' };
    const index = path.join(full, 'index.html');
    if (isFile(index)) return { status: 200, file: index };
    return { status: 404 };
  }
  if (isFile(full)) return { status: 200, file: full };
  return { status: 404 };
}

export function startServer(dir, port = 0) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const headers = { 'Cache-Control': 'no-store' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    let r = resolveRequest(root, req.url || '/');
    if (r.status === 301) {
      res.writeHead(301, { ...headers, Location: r.location });
      res.end();
      return;
    }
    if (r.status !== 200) {
      const notFound = path.join(root, '404.html');
      if (r.status === 404 && isFile(notFound)) {
        r = { status: 404, file: notFound };
      } else {
        res.writeHead(r.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : `${r.status}\n`);
        return;
      }
    }
    fs.readFile(r.file, (err, body) => {
      if (err) {
        res.writeHead(500, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('500\n');
        return;
      }
      res.writeHead(r.status, {
        ...headers,
        'Content-Type': contentType(r.file),
        'Content-Length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({
        server,
        port: p,
        url: `http://127.0.0.1:${p}/`,
        close: () => new Promise((res) => { server.closeAllConnections?.(); server.close(() => res()); }),
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir || !isDir(dir)) {
    console.error('usage: node tests/browser/serve.mjs DIR [PORT]');
    process.exit(2);
  }
  const s = await startServer(dir, Number(process.argv[3] || 0));
  console.log(`serving ${path.resolve(dir)} at ${s.url} (Ctrl-C stops)`);
}
