// Checks that every `wavs_v1` import of the given modules exists in
// docs/component-abi.md with exactly the documented signature, using wabt's
// `wasm-objdump -x` to read the modules.
//   node --no-warnings sdk/tests/check_imports.mjs docs/component-abi.md a.wasm b.wasm…
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import process from 'node:process';

const [doc, ...files] = process.argv.slice(2);
const documented = new Map();
const re = /\(import "wavs_v1" "(\w+)"\s+\(func \(param([^)]*)\) \(result (\w+)\)\)\)/g;
for (const m of readFileSync(doc, 'utf8').matchAll(re)) {
  documented.set(m[1], `(${m[2].trim().split(/\s+/).join(', ')}) -> ${m[3]}`);
}
if (documented.size !== 15) { console.error(`expected 15 documented imports, found ${documented.size}`); process.exit(1); }

let failed = 0;
for (const file of files) {
  const section = (name) => execFileSync('wasm-objdump', ['-x', '-j', name, file], { encoding: 'utf8' });
  const dump = section('Type') + section('Import');
  const types = new Map();
  for (const m of dump.matchAll(/- type\[(\d+)\] (\([^)]*\) -> \S+)/g)) types.set(m[1], m[2]);
  const used = [];
  for (const m of dump.matchAll(/- func\[\d+\] sig=(\d+) <[^>]*> <- (\w+)\.(\w+)/g)) {
    const [, sig, module, name] = m;
    if (module === 'wasi_snapshot_preview1') continue;
    if (module !== 'wavs_v1') { console.error(`${file}: unexpected import module ${module}.${name}`); failed++; continue; }
    const want = documented.get(name);
    const got = types.get(sig);
    if (want !== got) { console.error(`${file}: wavs_v1.${name} is ${got}, documented ${want ?? 'nowhere'}`); failed++; }
    used.push(name);
  }
  console.log(`${file}: ${used.length} wavs_v1 imports match the document (${used.sort().join(' ')})`);
}
process.exit(failed ? 1 : 0);
