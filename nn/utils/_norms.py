"""norm_except_dim and _weight_norm (torch's ATen helpers of the weight-norm reparametrisation)."""


def norm_except_dim(v, pow=2, dim=0):
    """The p-norm of v over every dim but `dim`, shaped to broadcast against v (dim -1: over all of v)."""
    if dim == -1:
        return v.norm(pow)
    dim = dim % v.dim()
    keep = [1] * v.dim()
    keep[dim] = v.shape[dim]
    moved = v.transpose(0, dim) if dim else v
    return moved.reshape(v.shape[dim], -1).norm(pow, 1).reshape(keep)


def _weight_norm(v, g, dim=0):
    """v * (g / ||v||) with the norm over every dim but dim."""
    return v * (g / norm_except_dim(v, 2, dim))
