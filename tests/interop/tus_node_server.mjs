// The reference tus server (@tus/server + @tus/file-store) on a loopback port, for the
// ingest benchmark. Usage: node tus_node_server.mjs DIR [PORT]; prints "LISTENING <port>".
// With SHA256=1 every PATCH body is also hashed with sha256 as it streams (node's crypto,
// on the request's own data events), to compare like with like against a server that
// verifies what it stores.
import crypto from 'node:crypto';
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [dir, port = '0'] = process.argv.slice(2);
const hashing = process.env.SHA256 === '1';
const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
const server = http.createServer((req, res) => {
  if (hashing && req.method === 'PATCH') {
    // hash each chunk as it is emitted to whoever consumes the body (adding a 'data'
    // listener instead would start the flow before @tus/server is ready and lose data)
    const digest = crypto.createHash('sha256');
    const emit = req.emit;
    req.emit = function (event, ...args) {
      if (event === 'data') digest.update(args[0]);
      else if (event === 'end') digest.digest('hex');
      return emit.call(this, event, ...args);
    };
  }
  tus.handle(req, res);
});
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
