#!/usr/bin/env python3
"""Summarises a scripts/device/check.sh run folder as Markdown: the adapter, the
correctness check, stage times, and the benchmark in the form of the README's speed
table (docs/performance.md), ready to paste; with RESULTS, also writes every stage's
JSON into that one file. Python 3 standard library only: it runs on the device
machine, which has no Node.js. Usage: summarize.py RUNDIR [RESULTS]"""
import json
import os
import sys

out = sys.argv[1]


def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            text = f.read()
    except OSError:
        return {'_error': 'not run'}
    try:
        return json.loads(text)
    except ValueError:
        return {'_error': 'no JSON in its output' if text.strip() else 'empty output'}


def lines(name):
    try:
        with open(os.path.join(out, name)) as f:
            return f.read().splitlines()
    except OSError:
        return []


devices = load('devices.json')
print(f"# dlc on {devices.get('description', 'no adapter')} ({devices.get('backend', '?')}, {devices.get('featureLevel', '?')})")
print()
if '_error' in devices:
    print(f"- devices: FAILED ({devices['_error']}); see devices.log, devices-retry.log, env.txt")
    for line in lines('devices.log')[-8:]:
        print(f'    {line}')
else:
    print(f"- devices: self-test {devices.get('selftest')}, software {devices.get('software')}")

check = load('check.json')
if '_error' in check:
    print(f"- correctness: no result ({check['_error']}); see check.log, check.stderr")
    for line in lines('check.stderr')[-5:] + lines('check.log')[-5:]:
        print(f'    {line}')
else:
    print(f"- correctness: {check['passed']} passed, {check['failed']} failed (every example and bench model vs the float64 reference)")
    print(f"- peers' adapter: {check.get('peerAdapter')} ({'the same as dlc' if check.get('peerOk') else 'DIFFERENT from dlc'})")
    for r in check['results']:
        if not r['pass']:
            print(f"    FAIL {r['model']} [{r['family']}]: {'; '.join(r['problems'])[:300]}")

stages = [line.split('\t') for line in lines('stages.tsv') if line.count('\t') == 2]
print('- stages (rc, seconds): ' + ', '.join(f'{n} {rc} {s}s' for n, rc, s in stages))
print()

COLUMNS = [('dlc_ms', 'dlc'), ('tfjs_webgpu_ms', 'TF.js WebGPU'), ('tfjs_cpu_ms', 'TF.js CPU'), ('jaxjs_webgpu_ms', 'jax-js WebGPU'), ('jaxjs_wasm_ms', 'jax-js Wasm')]
ORDER = ['mlp', 'rbm', 'lenet']  # the README's row order
rank = lambda f: (ORDER.index(f[6:-5]) if f[6:-5] in ORDER else len(ORDER), f)
rows, matmul, memory, missing = [], {}, [], []
for name in sorted((f for f in os.listdir(out) if f.startswith('bench-') and f.endswith('.json')), key=rank):
    bench = load(name)
    if '_error' in bench:
        missing.append(f"{name}: no result ({bench['_error']}; see {name[:-5]}.log)")
        continue
    # Each process measures the matmuls again: keep the best of them, as bench/main.ts keeps the best of its runs.
    for size, m in (bench.get('matmul') or {}).items():
        best = matmul.setdefault(size, {})
        for k, v in m.items():
            if isinstance(v, (int, float)) and (best.get(k) is None or v > best[k]):
                best[k] = v
    for model, r in bench.items():
        if not isinstance(r, dict) or 'dlc_ms' not in r:
            continue
        cells = ['n/a' if r[k] is None else f'{r[k]:.2f}' if r[k] < 10 else f'{r[k]:.1f}' for k, _ in COLUMNS]
        s = r.get('speedup_vs_tfjs_webgpu')
        rows.append(f"| {model} | {' | '.join(cells)} | {'n/a' if s is None else f'{s:.1f}×'} |")
        mib = lambda b: 'n/a' if b is None else f'{b / 2**20:.1f} MiB'
        memory.append(f"{model} {mib(r.get('dlc_planned_bytes'))} (TF.js {mib(r.get('tfjs_webgpu_bytes'))})")
        for column, reason in (r.get('unavailable') or {}).items():
            missing.append(f'{model} {column}: {reason}')

print('## Speed: median training step in ms, batch 128 (`npm run bench` models)')
print()
print('| model | ' + ' | '.join(h for _, h in COLUMNS) + ' | vs TF.js WebGPU |')
print('|---' * (len(COLUMNS) + 2) + '|')
print('\n'.join(rows) if rows else '| (no benchmark result) |')
print()
if matmul:
    g = lambda v: 'n/a' if v is None else f'{v:.1f}'
    m512, m1024 = matmul.get('512', {}), matmul.get('1024', {})
    print(f"matmul, GFLOP/s: dlc {g(m512.get('dlc_gflops'))} at 512² and {g(m1024.get('dlc_gflops'))} at 1024², "
          f"TF.js WebGPU {g(m512.get('tfjs_webgpu_gflops'))} and {g(m1024.get('tfjs_webgpu_gflops'))}.")
if memory:
    print('Planned GPU memory per step: ' + ', '.join(memory) + '.')
for m in missing:
    print(f'- {m}')

if len(sys.argv) > 2:
    results = {'stages': [{'stage': n, 'rc': rc, 'seconds': float(t)} for n, rc, t in stages], 'devices': devices, 'check': check}
    for name in sorted(f for f in os.listdir(out) if f.endswith('.json') and f not in ('devices.json', 'check.json')):
        results[name[:-5]] = load(name)
    with open(sys.argv[2], 'w') as f:
        json.dump(results, f, indent=2)
