// Upload one file with tus-js-client (Node), for the benchmark's comparison.
// Usage: node tusjs_bench_upload.mjs ENDPOINT FILE [CHUNK_BYTES]   (bench_upload.py)
// Prints one JSON line {"url", "bytes", "seconds", "peak_rss"}.
import fs from 'node:fs'
import {Upload} from 'tus-js-client'

const [endpoint, file, chunkArg] = process.argv.slice(2)
const size = fs.statSync(file).size
let peak = process.memoryUsage().rss
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
const started = performance.now()
const upload = new Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: chunkArg ? Number(chunkArg) : Infinity,
  retryDelays: [0, 1000, 3000],
  metadata: {filename: file.split('/').pop()},
  onError(err) { clearInterval(timer); console.error(String(err)); process.exit(1) },
  onSuccess() {
    clearInterval(timer)
    peak = Math.max(peak, process.memoryUsage().rss)
    const seconds = (performance.now() - started) / 1000
    console.log(JSON.stringify({url: upload.url, bytes: size, seconds, peak_rss: peak}))
  },
})
upload.start()
