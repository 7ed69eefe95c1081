// Upload one file with tus-js-client (a tus client nobody in this project wrote).
// Usage: node tus_js_upload.mjs ENDPOINT FILE TOKEN [CHUNK_SIZE]
// Prints one JSON line: {"ok": true, "url": ...} or {"ok": false, "error": ...}; exit 0/1.
import fs from 'node:fs';
import path from 'node:path';
import * as tus from 'tus-js-client';

const [endpoint, file, token, chunk] = process.argv.slice(2);
const size = fs.statSync(file).size;
const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: chunk ? Number(chunk) : Infinity,
  retryDelays: [0, 500, 1000],
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: path.basename(file), filetype: 'video/mp4' },
  onError(error) {
    console.log(JSON.stringify({ ok: false, error: String(error) }));
    process.exit(1);
  },
  onSuccess() {
    console.log(JSON.stringify({ ok: true, url: upload.url, size }));
    process.exit(0);
  },
});
upload.start();
