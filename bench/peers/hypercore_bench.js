// Hypercore measured the way bench/sync_bench measures Kintsugi: two
// processes on loopback (this one reads, a child writes), each with its own
// storage directory; one replication stream over TCP (Noise-encrypted, as
// Hypercore always is).
//   - catch-up: the writer holds ENTRIES blocks of 382 bytes (a Kintsugi
//     check-in's size); the reader downloads them all, from empty;
//   - delivery: SAMPLES times, the writer appends one block and the reader
//     waits until it holds it (append on A to stored on B);
//   - memory: each process's resident memory after IDLE seconds paired.
// Prints one JSON object per figure, as sync_bench does.
// Usage: node hypercore_bench.js WORK_DIR [--entries N] [--samples N] [--idle-seconds N]
// (NODE_PATH must find `hypercore`; bench/peers/run.sh installs it.)
'use strict'
const { fork } = require('child_process')
const fs = require('fs')
const net = require('net')
const path = require('path')
const Hypercore = require('hypercore')

const kBlockBytes = 382

function arg (name, fallback) {
  const at = process.argv.indexOf(name)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}

function emit (name, value, unit, extra = {}) {
  console.log(JSON.stringify({ name, ...extra, unit, value }))
}

function rssMiB (pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024
}

function percentile (sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

async function writer (dir) {
  const core = new Hypercore(dir)
  await core.ready()
  const entries = Number(process.env.ENTRIES)
  const block = Buffer.alloc(kBlockBytes, 0x5a)
  for (let done = 0; done < entries; done += 1000) {
    const batch = []
    for (let i = 0; i < Math.min(1000, entries - done); i++) batch.push(block)
    await core.append(batch)
  }
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)  // as ZeroMQ does: no Nagle delay on small messages
    const stream = core.replicate(false)
    socket.pipe(stream).pipe(socket)
    stream.on('error', () => {})
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1', () => {
    process.send({ key: core.key.toString('hex'), port: server.address().port, length: core.length })
  })
  process.on('message', async (m) => {
    if (m.append) {
      await core.append(block)
      process.send({ appended: core.length })
    }
  })
}

async function reader (work) {
  const entries = arg('--entries', 100000)
  const samples = arg('--samples', 1000)
  const idle = arg('--idle-seconds', 60)
  const child = fork(__filename, ['--writer', path.join(work, 'a')], { env: { ...process.env, ENTRIES: entries } })
  const first = await new Promise((resolve) => child.once('message', resolve))
  const core = new Hypercore(path.join(work, 'b'), Buffer.from(first.key, 'hex'))
  await core.ready()
  const socket = net.connect(first.port, '127.0.0.1')
  socket.setNoDelay(true)
  const stream = core.replicate(true)
  socket.pipe(stream).pipe(socket)

  let t0 = process.hrtime.bigint()
  await core.update({ wait: true })
  const range = core.download({ start: 0, end: first.length })
  await range.done()
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (core.contiguousLength !== first.length) throw new Error('catch-up incomplete')
  emit('catchup_rate', first.length / seconds, 'entries/s', { entries: first.length, seconds })

  core.download({ start: 0, end: -1 })  // from now on, every new block as it is appended
  const ms = []
  for (let i = 0; i < samples; i++) {
    t0 = process.hrtime.bigint()
    child.send({ append: true })
    await core.get(first.length + i)
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  ms.sort((a, b) => a - b)
  emit('delivery_p50_ms', percentile(ms, 0.5), 'ms', { samples })
  emit('delivery_p99_ms', percentile(ms, 0.99), 'ms', { samples })

  await new Promise((resolve) => setTimeout(resolve, idle * 1000))
  emit('idle_rss_mib', Math.max(rssMiB(process.pid), rssMiB(child.pid)), 'MiB',
    { reader: rssMiB(process.pid), writer: rssMiB(child.pid) })
  child.kill()
  socket.destroy()
  await core.close()
  process.exit(0)
}

if (process.argv[2] === '--writer') {
  writer(process.argv[3])
} else {
  if (!process.argv[2]) {
    console.error('usage: node hypercore_bench.js WORK_DIR [--entries N] [--samples N] [--idle-seconds N]')
    process.exit(2)
  }
  reader(process.argv[2]).catch((e) => { console.error(e); process.exit(1) })
}
