// ref_ws.js - the second reference of the scale benchmark (bench/load.py):
// a minimal TLS WebSocket echo server on Node's `ws` package, the
// reference the scale issue's own table was measured against. Same
// certificate, TLS 1.2+ with the same AEAD suites, ALPN http/1.1 and the
// same subprotocol as wo-server, so bench/wo_load drives it as it drives
// bench/ref_server. Nothing else: no authentication, no store, no
// keep-alive pings.
//
//   node bench/ref_ws.js HOST PORT CERT KEY
//
// Each whole message is sent back on the connection it came from.
'use strict';

const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const [host, port, cert, key] = process.argv.slice(2);
if (!key) {
    console.error('usage: node bench/ref_ws.js HOST PORT CERT KEY');
    process.exit(2);
}

const server = https.createServer({
    cert: fs.readFileSync(cert),
    key: fs.readFileSync(key),
    minVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:' +
             'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:' +
             'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
    honorCipherOrder: true,
    ALPNProtocols: ['http/1.1'],
});

const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    maxPayload: 1 << 20,
    handleProtocols: (offered) => (offered.has('wo.v1') ? 'wo.v1' : false),
});

wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
});

server.listen(Number(port), host, () => {
    console.error(`ref_ws: listening on wss://${host}:${port}`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
