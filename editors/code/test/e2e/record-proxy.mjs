// A recording HTTP proxy on 127.0.0.1 for the hostile-workspace test. Every CONNECT (the
// tunnel an HTTPS request asks for) and every plain request is written as one JSON line to the
// log file; nothing is forwarded (CONNECT gets 403, requests 502), so nothing leaves the
// machine. Whether a request carried the key (E2E_SECRET) is recorded as a boolean: the key
// itself is never written.
//
//   node record-proxy.mjs LOG_FILE      # prints "listening http://127.0.0.1:PORT"
import fs from 'node:fs';
import http from 'node:http';

const logFile = process.argv[2];
if (!logFile) throw new Error('usage: record-proxy.mjs LOG_FILE');
const secret = process.env.E2E_SECRET ?? '';
const record = (entry) => fs.appendFileSync(logFile, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
const carries = (headers, body = '') =>
  secret !== '' && (Object.values(headers).some((v) => String(v).includes(secret)) || body.includes(secret));

fs.writeFileSync(logFile, '');
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    if (body.length < 1e6) body += d;
  });
  req.on('end', () => {
    record({ kind: 'request', method: req.method, url: req.url, apiKeyHeader: 'x-api-key' in req.headers, carriesKey: carries(req.headers, body) });
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('the recording proxy forwards nothing\n');
  });
});
server.on('connect', (req, socket) => {
  record({ kind: 'connect', target: req.url, carriesKey: carries(req.headers) });
  socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
