"""Running a public example program's source under torch and under autograd with only its import lines
changed (used by tests/test_examples_vision.py).

`swap_imports(source, 'autograd')` rewrites each `import torch...` / `from torch... import` line to autograd's
module of the same name and `torchvision` to `autograd.vision`; every other line is left as it is.
`swap_imports(source, 'torch')` keeps torch and points the torchvision lines at TORCHVISION, a stand-in:
torchvision is not installable here (its wheels pull their own torch), so the torch run reads its images
through autograd.vision's datasets and transforms and gets them as torch tensors. Whatever those draw at
random they draw from torch's generator (its state is handed to autograd's generator and back around each
call, and autograd's generator reproduces torch's stream), so both runs see the same pixels, crops and
flips, and torch's generator advances as it would under torchvision. The model, loss, optimizer and
training code of the torch run is torch's own.

`run_program` executes a program as real modules (its sibling files registered in sys.modules under their
own names while it runs, as `python main.py` would import them), so `from model import Net` works and
`torch.save(model, path)` can pickle the classes.

`program_text` reads a public program from $AUTOGRAD_PROGRAMS_DIR at run time (we do not commit other
projects' code) and applies a test's edits to it; `definitions` takes named classes/functions out of it."""
import ast
import contextlib
import os
import pathlib
import re
import sys
import types

import numpy as np
import pytest
import torch

import autograd
import autograd.vision

_depth = [0]

PROGRAMS_DIR = 'AUTOGRAD_PROGRAMS_DIR'


def program_text(repo, commit, path, *edits):
    """The text of `path` in the public repository `repo` ('owner/name'), read from
    $AUTOGRAD_PROGRAMS_DIR/<owner>__<name>/<path>, with each (old, new) edit applied to every place `old`
    occurs. `commit` is the upstream commit the test was written against (named in the skip reason).
    Skips when the variable or the file is absent; an edit whose `old` text is not there fails the test
    (the upstream file changed: the test must be checked against it, not run on something else)."""
    reason = (f"public program not committed here (its code is not ours to copy); set {PROGRAMS_DIR} to a "
              f"folder with a checkout of {repo} at commit {commit} as {repo.replace('/', '__')}/, "
              f"see README Testing")
    root = os.environ.get(PROGRAMS_DIR)
    if not root:
        pytest.skip(reason)
    file = pathlib.Path(root) / repo.replace('/', '__') / path
    if not file.is_file():
        pytest.skip(f"{file} is missing: {reason}")
    text = file.read_text(encoding='utf-8')
    for old, new in edits:
        assert old in text, (f"{repo} {path}: the program differs from commit {commit}; the edit of "
                             f"{old!r} no longer applies")
        text = text.replace(old, new)
    return text


def definitions(text, *names):
    """The source of the top-level classes/functions `names` of a program's text, in that order (each
    must be there), joined by blank lines: a test runs a program's own model and training code while its
    command line, file I/O and printing are replaced by the test's settings."""
    found = {node.name: ast.get_source_segment(text, node) for node in ast.parse(text).body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    missing = [name for name in names if name not in found]
    assert not missing, f"the program no longer defines {missing}"
    return '\n\n\n'.join(found[name] for name in names) + '\n'


@contextlib.contextmanager
def torch_generator():
    """Make autograd's global generator stand for torch's for the duration (re-entrant)."""
    if _depth[0] == 0:
        autograd.set_rng_state(autograd.tensor(torch.get_rng_state().numpy()))
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        if _depth[0] == 0:
            torch.set_rng_state(torch.from_numpy(autograd.get_rng_state().numpy().copy()))


def to_torch(x):
    if isinstance(x, autograd.Tensor):
        return torch.from_numpy(np.array(x.numpy()))
    if isinstance(x, (tuple, list)):
        return type(x)(to_torch(v) for v in x)
    return x


def to_autograd(x):
    if isinstance(x, torch.Tensor):
        return autograd.from_numpy(x.detach().numpy().copy())
    if isinstance(x, (tuple, list)):
        return type(x)(to_autograd(v) for v in x)
    return x


class _Dataset(torch.utils.data.Dataset):
    """An autograd.vision dataset seen from torch: same items, as torch tensors."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        with torch_generator():
            return to_torch(self.inner[index])

    def __getattr__(self, name):
        if name == 'inner':
            raise AttributeError(name)
        return to_torch(getattr(self.inner, name))      # .data / .targets as torch tensors


class _Transform:
    """An autograd.vision transform seen from torch: torch tensors in and out, torch's random numbers."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, x):
        with torch_generator():
            return to_torch(self.inner(to_autograd(x)))

    def __repr__(self):
        return repr(self.inner)


class _Lambda:
    """transforms.Lambda seen from torch: the user's function runs on what the torch run has (its own
    tensors), as torchvision's Lambda would call it; the transforms around it convert in and out."""

    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(to_torch(x))

    def __repr__(self):
        return 'Lambda()'


def _wrap_class(cls, wrapper):
    def make(*args, **kwargs):
        return wrapper(cls(*args, **kwargs))
    make.__name__ = cls.__name__
    return make


def _save_image(tensor, fp, **kwargs):
    return autograd.vision.utils.save_image(to_autograd(tensor), fp, **kwargs)


def _make_grid(tensor, **kwargs):
    return to_torch(autograd.vision.utils.make_grid(to_autograd(tensor), **kwargs))


TORCHVISION = types.SimpleNamespace(
    datasets=types.SimpleNamespace(**{name: _wrap_class(getattr(autograd.vision.datasets, name), _Dataset)
                                      for name in ('FakeData', 'ImageFolder', 'MNIST', 'CIFAR10')}),
    transforms=types.SimpleNamespace(**{name: _wrap_class(getattr(autograd.vision.transforms, name), _Transform)
                                        for name in autograd.vision.transforms.__all__
                                        if isinstance(getattr(autograd.vision.transforms, name), type)
                                        and name != 'Lambda'}, Lambda=_Lambda),
    utils=types.SimpleNamespace(save_image=_save_image, make_grid=_make_grid))


def _torchvision_line(body, lib, stand_ins):
    """A torchvision import line for `lib`: autograd imports autograd.vision under the same names; torch
    binds the same names to TORCHVISION's members; a name in stand_ins comes from STAND_INS in both."""
    m = re.fullmatch(r'from\s+(torchvision[\w.]*)\s+import\s+(.+)', body)
    if m:
        names = [re.split(r'\s+as\s+', n.strip()) for n in m.group(2).split(',')]   # 'name' or 'name as alias'
        pairs = [(n[-1], f'{m.group(1)}.{n[0]}') for n in names]
    else:
        m = re.fullmatch(r'import\s+(torchvision[\w.]*)(?:\s+as\s+(\w+))?', body)
        module, alias = m.groups()
        pairs = [(alias, module)] if alias else [('torchvision', 'torchvision')]
    if lib == 'autograd' and not any(dotted in stand_ins for _, dotted in pairs):
        if body.startswith('from'):
            return body.replace('torchvision', 'autograd.vision', 1)
        return '; '.join(f"import {dotted.replace('torchvision', 'autograd.vision', 1)} as {name}"
                         for name, dotted in pairs)
    out = []
    for name, dotted in pairs:
        if dotted in stand_ins:
            out.append(f'{name} = STAND_INS[{dotted!r}]')
        elif lib == 'autograd':
            out.append(f"from {dotted.rsplit('.', 1)[0].replace('torchvision', 'autograd.vision', 1)} "
                       f"import {dotted.rsplit('.', 1)[1]} as {name}")
        else:
            out.append(f"{name} = {dotted.replace('torchvision', 'TORCHVISION', 1)}")
    return '; '.join(out)


def _import_line(line, lib, stand_ins):
    """The line with torch/torchvision imports rewritten for `lib`; other lines unchanged."""
    indent = line[:len(line) - len(line.lstrip())]
    body = line.strip()
    if re.match(r'(import|from)\s+torchvision\b', body):
        return indent + _torchvision_line(body, lib, stand_ins)
    if lib == 'torch':
        return line
    m = re.fullmatch(r'import\s+torch((?:\.\w+)*)(\s+as\s+\w+)?', body)
    if m:
        if not m.group(1) and not m.group(2):
            return indent + 'import autograd as torch'
        return indent + f"import autograd{m.group(1)}{m.group(2) or ''}"
    m = re.fullmatch(r'from\s+torch((?:\.\w+)*)\s+import\s+(.+)', body)
    if m:
        return indent + f"from autograd{m.group(1)} import {m.group(2)}"
    return line


def swap_imports(source, lib, stand_ins=()):
    """source with only its import lines changed for lib ('torch' or 'autograd'); `stand_ins` names
    torchvision attributes (e.g. 'torchvision.models') that both runs take from STAND_INS instead."""
    out = []
    for line in source.split('\n'):
        body = line.strip()
        if body.startswith(('import torch', 'from torch')):
            line = _import_line(line, lib, set(stand_ins))
        out.append(line)
    return '\n'.join(out)


def run_program(main, lib, modules=(), name='__main__', globals_=None, stand_ins=None, seed=0):
    """Execute the example: `modules` (name, source) are its sibling files, importable by name while it
    runs; `main` runs as a module called `name`. stand_ins: {'torchvision.x': object}, or a function of lib
    giving it. The running library's generator starts from manual_seed(seed), as `python main.py` would
    start from one fixed state, for programs that seed nothing themselves. Returns the main module's namespace."""
    (torch if lib == 'torch' else autograd).manual_seed(seed)
    if callable(stand_ins):
        stand_ins = stand_ins(torch if lib == 'torch' else autograd)
    added = []
    extra = dict(TORCHVISION=TORCHVISION, STAND_INS=dict(stand_ins or {}))
    extra.update(globals_ or {})
    try:
        for mod_name, source in modules:
            module = types.ModuleType(mod_name)
            module.__dict__.update(extra)
            sys.modules[mod_name] = module
            added.append(mod_name)
            exec(compile(swap_imports(source, lib, extra['STAND_INS']), f'<{mod_name}.py>', 'exec'),
                 module.__dict__)
        main_name = name if name == '__main__' else f'{name}_{lib}'
        module = types.ModuleType(main_name)
        module.__dict__.update(extra)
        if name != '__main__':
            sys.modules[main_name] = module
            added.append(main_name)
        exec(compile(swap_imports(main, lib, extra['STAND_INS']), f'<{name}.py>', 'exec'), module.__dict__)
        return module.__dict__
    finally:
        for mod_name in added:
            sys.modules.pop(mod_name, None)
