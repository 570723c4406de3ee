"""Bar chart of the ratios autograd/torch in the benchmarks' JSON files, with each case's target.

    python benchmarks/plot.py benchmarks/results/*.json --out benchmarks/results/ratios.png
"""
import argparse
import json

import matplotlib
matplotlib.use('Agg')   # writes a file; no display needed
import matplotlib.pyplot as plt  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('files', nargs='+', help='JSON files written by the benchmarks with --json')
    p.add_argument('--out', default='ratios.png')
    args = p.parse_args()
    names, ratios, targets = [], [], []
    for path in args.files:
        with open(path) as fh:
            report = json.load(fh)
        for result in report['results']:
            if result.get('ratio') is not None:
                names.append(result['name'])
                ratios.append(result['ratio'])
                targets.append(result.get('target'))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.5))
    rows = range(len(names))
    colors = ['C7' if t is None else 'C2' if r <= t else 'C3' for r, t in zip(ratios, targets)]   # grey: no target
    ax.barh(rows, ratios, color=colors)
    for row, (ratio, target) in enumerate(zip(ratios, targets)):
        ax.text(ratio, row, f' {ratio:.2f}x', va='center')
        if target is not None:
            ax.plot([target, target], [row - 0.4, row + 0.4], 'k--', linewidth=1)
    ax.axvline(1.0, color='grey', linewidth=0.8)
    ax.set_yticks(list(rows), names)
    ax.invert_yaxis()
    ax.set_xlabel('time or memory, autograd / torch (lower is better; dashed: target; grey: no target)')
    ax.set_title('autograd vs PyTorch on CPU')
    fig.savefig(args.out, dpi=100, bbox_inches='tight')
    print(f"wrote {args.out}")


if __name__ == '__main__':
    main()
