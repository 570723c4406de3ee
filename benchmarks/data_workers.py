"""An augmentation-heavy input pipeline through the DataLoader with 0 and 2 worker processes, against torch.

The dataset holds 512 random 64x64 RGB images (uint8, in memory). Each sample is augmented with Pillow the
way a CIFAR/ImageNet recipe does (random resized crop to 48x48, flip, brightness/contrast/saturation
enhancement, rotation), converted to a float CHW tensor and normalised; batches of 64 are collated.
Rows:
  pillow-pipeline  the same hand-written Pillow work in both libraries' DataLoaders (the ratio is the
                   loaders' and the collation's cost, worker start-up included, at equal augmentation work)
  transforms       autograd.vision.transforms' Compose of the equivalent torchvision transforms (torchvision
                   is not installed here, so there is no torch column)
One epoch per run; the worker pool is started by each epoch (persistent_workers=False), as in a plain loop.

Run: python benchmarks/data_workers.py [--repeats 3] [--json benchmarks/results/data_workers.json]
"""
import random

from common import autograd, compare, finish, header, parser, torch   # noqa: I100 (sets threads first)

import numpy as np
from PIL import Image, ImageEnhance

from autograd.vision import transforms as T

N, SIZE, CROP, BATCH = 512, 64, 48, 64
MEAN, STD = np.float32([0.49, 0.48, 0.45]), np.float32([0.25, 0.24, 0.26])


def pillow_augment(img):
    """Random resized crop, flip, colour enhancement and rotation with Python's random (seeded per worker)."""
    area = random.uniform(0.3, 1.0) * SIZE * SIZE
    w = h = int(min(SIZE, area ** 0.5))
    i, j = random.randint(0, SIZE - h), random.randint(0, SIZE - w)
    img = img.crop((j, i, j + w, i + h)).resize((CROP, CROP), Image.Resampling.BILINEAR)
    if random.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    for enhance in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        img = enhance(img).enhance(random.uniform(0.6, 1.4))
    img = img.rotate(random.uniform(-15, 15), Image.Resampling.BILINEAR)
    a = (np.asarray(img, dtype=np.float32) / 255 - MEAN) / STD
    return np.ascontiguousarray(a.transpose(2, 0, 1))


class Images:
    """Map-style dataset over in-memory uint8 images; `to_tensor` turns the augmented array into a tensor."""

    def __init__(self, images, augment, to_tensor):
        self.images, self.augment, self.to_tensor = images, augment, to_tensor

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        out = self.augment(Image.fromarray(self.images[index]))
        return self.to_tensor(out) if self.to_tensor else out, index % 10


def epoch(lib, dataset, workers):
    def run():
        loader = lib.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers)
        for x, y in loader:
            assert tuple(x.shape)[1:] == (3, CROP, CROP)
    return run


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    images = np.random.default_rng(0).integers(0, 256, (N, SIZE, SIZE, 3), dtype=np.uint8)
    ours_pil = Images(images, pillow_augment, autograd.from_numpy)
    theirs_pil = Images(images, pillow_augment, torch.from_numpy) if torch is not None else None
    pipeline = T.Compose([T.RandomResizedCrop(CROP, scale=(0.3, 1.0)), T.RandomHorizontalFlip(),
                          T.ColorJitter(0.4, 0.4, 0.4), T.RandomRotation(15, interpolation=T.InterpolationMode.BILINEAR),
                          T.ToTensor(), T.Normalize(MEAN.tolist(), STD.tolist())])
    ours_tv = Images(images, pipeline, None)
    header()
    results = []
    for workers in (0, 2):
        results.append(compare(f'pillow-pipeline, {workers} workers (epoch)', epoch(autograd, ours_pil, workers),
                               epoch(torch, theirs_pil, workers) if torch is not None else None, args.repeats))
        results.append(compare(f'transforms, {workers} workers (epoch)', epoch(autograd, ours_tv, workers), None,
                               args.repeats))
    finish('data_workers', results, args)


if __name__ == '__main__':
    main()
