// A plain @tus/server on 127.0.0.1, storing uploads with @tus/file-store.
// Usage: node tus_server.mjs DIR [PORT]   (PORT 0 = any free port)
// Prints one line "READY http://127.0.0.1:PORT/files" once it accepts connections.
import http from 'node:http'
import {Server} from '@tus/server'
import {FileStore} from '@tus/file-store'

const [dir, portArg] = process.argv.slice(2)
const tus = new Server({path: '/files', datastore: new FileStore({directory: dir})})
const server = http.createServer((req, res) => tus.handle(req, res))
server.listen(Number(portArg || 0), '127.0.0.1', () => {
  const {port} = server.address()
  console.log(`READY http://127.0.0.1:${port}/files`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
