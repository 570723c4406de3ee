"""Memory layouts that make NumPy's copies and OpenBLAS's products fast for the small convolutions of MNIST-size
CNNs (conv.py's batch-last geometry: at most ~100 output pixels, batch 64): a blocked 2-D transpose, matrix
products in stacks of 64 rows, and the transposed convolution (conv's input gradient) with channels and batch
innermost, so that its column-to-image adds run over contiguous rows of C*N values.

Every function here forms the same products as the plain expression it replaces, in the same summation order
per output element; only the memory order differs. (On this OpenBLAS the results came out bit-identical to
the plain forms; BLAS does not promise that, so tests compare them with tolerances.) Timings: AMD EPYC (Zen 4,
OpenBLAS 0.3.31 with its SkylakeX kernels, 1 thread), LeNet's conv2 (64 x 16 x 12 x 12, 32 x 16 x 5 x 5).
"""
import contextlib

import numpy as np

from ..backend import array_module

# moving a small batch axis last is a 2-D transpose of (N, rest) rows; read straight, the copy walks N rows
# that lie a power of two apart (cache-set conflicts): in blocks of 8 rows it is 4-5x faster (64 x 2048
# float32: 0.08 ms against 0.36 ms)
TRANSPOSE_BLOCK_ROWS, TRANSPOSE_BLOCKED_MAX_ROWS = 8, 256
# NumPy (2.x) copies a strided ufunc operand through its buffer when the operand's rows are shorter than the
# buffer (8192 elements): the column-to-image adds, strided rows of OW*N or C*N values, ran 1.3-3x slower than
# with a buffer of 1024 (col2im; the seed CNN's stride-2 input gradient 0.61 -> 0.48 ms)
ADD_BUFFER_SIZE = 1024
# OpenBLAS runs a stack of 64-row products faster than one tall product (presumably its small-matrix
# kernels, which skip packing): (4096 x 400) @ (400 x 32) as 64 stacked products takes 0.93 ms against 1.16 ms
STACK_ROWS = 64


@contextlib.contextmanager
def small_add_buffer(xp):
    """NumPy's ufunc buffer at ADD_BUFFER_SIZE elements inside the block (NumPy only; restored after)."""
    if xp is not np:
        yield
        return
    saved = np.setbufsize(ADD_BUFFER_SIZE)
    try:
        yield
    finally:
        np.setbufsize(saved)


def rows_last(a):
    """A 2-D array (R, M) -> its transpose (M, R), a C-contiguous copy with the same values."""
    xp = array_module(a)
    rows = a.shape[0]
    if xp is not np or rows > TRANSPOSE_BLOCKED_MAX_ROWS or a.shape[1] < 4 * TRANSPOSE_BLOCK_ROWS:
        return xp.ascontiguousarray(a.T)
    out = np.empty(a.shape[::-1], dtype=a.dtype)
    for start in range(0, rows, TRANSPOSE_BLOCK_ROWS):
        out[:, start:start + TRANSPOSE_BLOCK_ROWS] = a[start:start + TRANSPOSE_BLOCK_ROWS].T
    return out


def matmul_rows(a, b):
    """a (G, M, K) @ b (G, K, O) -> (G, M, O), computed in stacks of STACK_ROWS rows of a (each output row
    is the same dot products either way)."""
    g, m, k = a.shape
    if array_module(a) is not np or m < 2 * STACK_ROWS:
        return array_module(a).matmul(a, b)
    out = np.empty((g, m, b.shape[2]), dtype=np.result_type(a, b))
    full = m - m % STACK_ROWS
    b = np.ascontiguousarray(b)
    np.matmul(a[:, :full].reshape(g, full // STACK_ROWS, STACK_ROWS, k), b[:, None],
              out=out[:, :full].reshape(g, full // STACK_ROWS, STACK_ROWS, -1))
    if full < m:
        np.matmul(a[:, full:], b, out=out[:, full:])
    return out


def conv_transpose_channels_inner(y, w, geo):
    """conv_transpose(Y, W) for groups == 1 on NumPy: the image gradient of a batch-last convolution.

    W^T (kh*kw*C, O) times each output pixel's (O, N) block of Y gives columns (OH*OW, kh*kw*C, N), one small
    product per pixel (OpenBLAS: 0.95 ms for LeNet's conv2, against 1.5-1.8 ms for the single
    (400 x 32) @ (32 x 4096) product); they are added into an image (Hp, Wp, C*N), one add per kernel position
    over rows of C*N contiguous values, in the same (i, j) order as col2im. y (N, O, OH, OW), w (O, C, kh, kw)
    -> (N, C, H, W)."""
    n, o, oh, ow = y.shape
    c, kh, kw = w.shape[1:]
    (sh, sw), (dh, dw), ((t, _), (l, _)) = geo.stride, geo.dilation, geo.pads
    hp, wp = geo.padded_hw()
    h, wd = geo.image_hw
    per_pixel = rows_last(y.reshape(n, o * oh * ow)).reshape(o, oh * ow, n).transpose(1, 0, 2)   # (P, O, N)
    wt = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(kh * kw * c, o)   # rows in (i, j, c) order
    cols = np.matmul(wt, per_pixel).reshape(oh, ow, kh, kw, c * n)
    image = np.zeros((hp, wp, c * n), dtype=cols.dtype)
    disjoint = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1
    with small_add_buffer(np):
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                if disjoint:   # every image position gets at most one value: written, as col2im's strided write
                    image[rows, columns] = cols[:, :, i, j]
                else:
                    image[rows, columns] += cols[:, :, i, j]
    if (hp, wp) != (h, wd):
        image = np.ascontiguousarray(image[t:t + h, l:l + wd])
    # (H, W, C, N) -> (N, C, H, W): a blocked 2-D transpose to (C, N, H*W), then whole H*W rows swapped
    by_channel = rows_last(image.reshape(h * wd, c * n)).reshape(c, n, h * wd)
    return np.ascontiguousarray(by_channel.transpose(1, 0, 2)).reshape(n, c, h, wd)
