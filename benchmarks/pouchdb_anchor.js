// Anchor: PouchDB replication of N small docs from a server (express-pouchdb, in-memory) to a fresh client, over loopback HTTP.
// The shared anchor (../shared/anchors/pouchdb/anchor.js) unchanged but for one option: `node pouchdb_anchor.js N pull`
// measures the pull alone (a store-year's 240,000 docs would otherwise spend minutes pushing them back).
// benchmarks/sync_bench.py runs it beside bayflow; install once: see that script's --pouchdb help.
const PouchDB = require('pouchdb-node');
PouchDB.plugin(require('pouchdb-adapter-memory'));
const express = require('express');
const N = parseInt(process.argv[2] || '20000');
const MemPouch = PouchDB.defaults({adapter: 'memory'});
const app = express();
app.use('/', require('express-pouchdb')(MemPouch, {mode: 'minimumForPouchDB', inMemoryConfig: true}));
const srv = app.listen(0, async () => {
  const port = srv.address().port;
  const remote = new MemPouch('store');
  const docs = [];
  for (let i = 0; i < N; i++) docs.push({_id: 'ev' + String(i).padStart(8, '0'), kind: 'clock', wo: 'R1-' + (i % 3000), tech: 'T-' + (i % 40), at: Date.now(), qty: 1});
  for (let i = 0; i < N; i += 1000) await remote.bulkDocs(docs.slice(i, i + 1000));
   
  const local = new MemPouch('kiosk');
  const t = Date.now();
  const rep = await local.replicate.from(new PouchDB(`http://127.0.0.1:${port}/store`), {batch_size: 500, batches_limit: 10}); 
  const pull = (Date.now() - t) / 1000;
  const info = await local.info();
  if (process.argv[3] === 'pull') {
    console.log(JSON.stringify({anchor: 'pouchdb', n: N, pulled: info.doc_count, pull_s: pull, pull_per_s: Math.round(N / pull)}));
    srv.close(); process.exit(0);
  }
  // push the other way: N new docs made on the kiosk
  const more = docs.map(d => ({...d, _id: 'k' + d._id}));
  for (let i = 0; i < N; i += 1000) await local.bulkDocs(more.slice(i, i + 1000));
  const t2 = Date.now();
  await local.replicate.to(new PouchDB(`http://127.0.0.1:${port}/store`), {batch_size: 500, batches_limit: 10});
  const push = (Date.now() - t2) / 1000;
  console.log(JSON.stringify({anchor: 'pouchdb', n: N, pulled: info.doc_count, pull_s: pull, pull_per_s: Math.round(N / pull), push_s: push, push_per_s: Math.round(N / push)}));
  srv.close(); process.exit(0);
});
