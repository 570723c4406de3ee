"""Which public names of torch, torch.Tensor, torch.linalg, torch.special and torch.distributions exist in
autograd (run with torch installed): `python benchmarks/api_coverage.py [--missing]`."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))   # this checkout's autograd
import autograd  # noqa: E402


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith('_'))


def coverage(theirs, ours):
    names = public(theirs)
    have = [n for n in names if hasattr(ours, n)]
    return names, have


def main():
    rows = [('torch', torch, autograd), ('torch.Tensor', torch.Tensor, autograd.Tensor),
            ('torch.linalg', torch.linalg, getattr(autograd, 'linalg', None)),
            ('torch.special', torch.special, getattr(autograd, 'special', None))]
    try:
        import torch.distributions as td
        rows.append(('torch.distributions', td, getattr(autograd, 'distributions', None)))
    except ImportError:
        pass
    parts = []
    for name, theirs, ours in rows:
        names, have = coverage(theirs, ours) if ours is not None else (public(theirs), [])
        parts.append(f"{name} {len(have)}/{len(names)}")
        print(f"{name:22s} {len(have):5d} / {len(names):5d}  ({100 * len(have) / max(len(names), 1):.0f}%)")
        if '--missing' in sys.argv:
            print('   missing:', ' '.join(n for n in names if n not in have))
    print('summary: ' + ', '.join(parts))


if __name__ == '__main__':
    main()
