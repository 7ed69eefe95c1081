// The reference tus server (@tus/server + @tus/file-store) on a loopback port, for the
// ingest benchmark. Usage: node tus_node_server.mjs DIR [PORT]; prints "LISTENING <port>".
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [dir, port = '0'] = process.argv.slice(2);
const server = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
const http = server.listen({ host: '127.0.0.1', port: Number(port) }, () => {
  console.log(`LISTENING ${http.address().port}`);
});
process.on('SIGTERM', () => http.close(() => process.exit(0)));
