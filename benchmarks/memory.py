"""Peak resident memory (RSS) of one training epoch, autograd against torch: the MLP (batch 64) and the
LeNet CNN (batch 64), each epoch in a fresh process that imports only the library it measures. Reports
the peak RSS of the process during the epoch (target: ratio <= 1.5; it includes the library's own
footprint and the 188 MB float32 training set both hold), the RSS before the epoch (imports, data,
model) and the growth during the epoch above it (what training itself costs). Linux only (/proc).

    python benchmarks/memory.py [--limit 10000] [--repeats 3] [--json benchmarks/results/memory.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import common  # first: sets the thread count before NumPy loads

MODELS = {'mlp': 0.01, 'lenet': 0.01}   # model -> SGD learning rate


def rss_mib():
    """(current, peak) resident memory of this process in MiB, from /proc (Linux)."""
    with open('/proc/self/status') as fh:
        fields = dict(line.split(':', 1) for line in fh)
    return tuple(int(fields[key].split()[0]) / 1024 for key in ('VmRSS', 'VmHWM'))


def child(library, model_name, limit, batch_size, device):
    """Runs in the subprocess: set up, note RSS, train one epoch, print the figures as JSON."""
    lib = common.autograd if library == 'autograd' else common.torch
    images, labels = common.load_mnist(limit)
    lib.manual_seed(0)
    model = common.models().build(model_name, lib.nn).to(device)
    epoch = common.epoch_runner(lib, model, images, labels, batch_size, MODELS[model_name], device)
    before, _ = rss_mib()
    with open('/proc/self/clear_refs', 'w') as fh:   # reset the peak (VmHWM) so that setup transients
        fh.write('5')                                  # (reading the .gz files) do not count
    epoch()
    _, peak = rss_mib()
    print(json.dumps({'setup_mib': before, 'peak_mib': peak, 'epoch_growth_mib': peak - before}))


def measure(library, model_name, args):
    command = [sys.executable, os.path.abspath(__file__), '--child', library, model_name, '--batch-size',
               str(args.batch_size), '--device', args.device, '--threads', str(args.threads)]
    command += ['--limit', str(args.limit)] if args.limit else []
    env = dict(os.environ, BENCHMARK_ONLY=library)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--limit', type=int, default=None, help='train on the first N images (default: all 60,000)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--models', nargs='+', choices=MODELS, default=list(MODELS))
    p.add_argument('--child', nargs=2, metavar=('LIBRARY', 'MODEL'), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(*args.child, args.limit, args.batch_size, args.device)
    common.check_device(args)
    if common.torch is None:
        raise SystemExit("memory.py compares against torch, which is not installed")
    print(f"{'case':34s} {'autograd':>10s} {'torch':>10s}        ratio   (medians of {args.repeats} fresh "
          f"processes; MiB)")
    results = []
    for model_name in args.models:
        runs = {'autograd': [], 'torch': []}
        for _ in range(args.repeats):
            for library in runs:
                runs[library].append(measure(library, model_name, args))
        for key, label, target in (('peak_mib', 'peak RSS in epoch', 1.5),
                                   ('epoch_growth_mib', 'growth in epoch', None),
                                   ('setup_mib', 'RSS before epoch', None)):
            ours, theirs = (statistics.median(r[key] for r in runs[lib]) for lib in ('autograd', 'torch'))
            name = f'{model_name} epoch, {label}'
            results.append({'name': name, 'unit': 'MiB', 'target': target, 'repeats': args.repeats,
                            'autograd': ours, 'torch': theirs, 'ratio': ours / theirs,
                            'autograd_runs': [r[key] for r in runs['autograd']],
                            'torch_runs': [r[key] for r in runs['torch']]})
            goal = f"  (target <= {target}x)" if target else ''
            print(f"{name:34s} {ours:10.1f} {theirs:10.1f} MiB {ours / theirs:6.2f}x{goal}", flush=True)
    common.finish('memory', results, args)


if __name__ == '__main__':
    main()
