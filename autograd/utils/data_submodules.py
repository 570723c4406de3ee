"""torch.utils.data's submodules by their import paths: `from torch.utils.data.sampler import Sampler`
(pytorch/examples mnist_hogwild), `torch.utils.data.dataset`, `torch.utils.data.dataloader`.

autograd.utils.data is one module (with data_extra.py), not a package, so each submodule is a module object
holding torch's names for it, registered in sys.modules under its dotted name (as data.distributed is)."""
import sys
import types

_SUBMODULES = {
    'sampler': ['BatchSampler', 'RandomSampler', 'Sampler', 'SequentialSampler', 'SubsetRandomSampler',
                'WeightedRandomSampler'],
    'dataset': ['Dataset', 'IterableDataset', 'TensorDataset', 'StackDataset', 'ConcatDataset', 'ChainDataset',
                'Subset', 'random_split'],
    'dataloader': ['DataLoader', 'get_worker_info', 'default_collate', 'default_convert'],
}


def register(data):
    """Make data.<name> and `import <data>.<name>` work for each submodule; names data lacks are left out."""
    for name, members in _SUBMODULES.items():
        module = types.ModuleType(f'{data.__name__}.{name}', f'torch.utils.data.{name}')
        present = [m for m in members if hasattr(data, m)]
        module.__dict__.update({m: getattr(data, m) for m in present})
        module.__all__ = present
        sys.modules[module.__name__] = module
        setattr(data, name, module)
