"""ctc_loss (Graves et al. 2006): the negative log-likelihood of the target label sequences under all
alignments of log_probs (T, N, C) (or (T, C) unbatched), by the forward (alpha) recursion in log space;
the backward runs the beta recursion. Per-sample loops over time in NumPy, as ATen's CPU kernel. The
gradient with respect to log_probs is ATen's: exp(log_probs) - exp(log(alpha*beta) + nll - log_probs), which
assumes log_probs came from log_softmax (what torch documents)."""
import numpy as np

from autograd import backend
from autograd.function import Function
from autograd.tensor import Tensor, wrap

__all__ = ['ctc_loss']


def _lse(a, b):
    m = np.maximum(a, b)
    with np.errstate(invalid='ignore'):
        out = m + np.log(np.exp(a - m) + np.exp(b - m))
    return np.where(m == -np.inf, -np.inf, out)


def _extended(target, blank):
    ext = np.full(2 * len(target) + 1, blank, dtype=np.int64)
    ext[1::2] = target
    return ext


def _alpha(lp, ext, length):
    """log alpha (T, S') over the first `length` frames of lp (T, C)."""
    s_len = len(ext)
    alpha = np.full((lp.shape[0], s_len), -np.inf)
    if length == 0:
        return alpha
    alpha[0, 0] = lp[0, ext[0]]
    if s_len > 1:
        alpha[0, 1] = lp[0, ext[1]]
    skip = np.zeros(s_len, dtype=bool)
    skip[2:] = (ext[2:] != ext[:-2]) & (ext[2:] != ext[0])   # a label may follow the previous label directly
    for t in range(1, length):
        prev = alpha[t - 1]
        total = prev.copy()
        total[1:] = _lse(total[1:], prev[:-1])
        total[2:] = np.where(skip[2:], _lse(total[2:], prev[:-2]), total[2:])
        alpha[t] = total + lp[t, ext]
    return alpha


def _beta(lp, ext, length):
    s_len = len(ext)
    beta = np.full((lp.shape[0], s_len), -np.inf)
    if length == 0:
        return beta
    beta[length - 1, -1] = lp[length - 1, ext[-1]]
    if s_len > 1:
        beta[length - 1, -2] = lp[length - 1, ext[-2]]
    skip = np.zeros(s_len, dtype=bool)
    skip[:-2] = (ext[:-2] != ext[2:]) & (ext[:-2] != ext[0])
    for t in range(length - 2, -1, -1):
        nxt = beta[t + 1]
        total = nxt.copy()
        total[:-1] = _lse(total[:-1], nxt[1:])
        total[:-2] = np.where(skip[:-2], _lse(total[:-2], nxt[2:]), total[:-2])
        beta[t] = total + lp[t, ext]
    return beta


class CTCLoss(Function):
    torch_name = 'CtcLossBackward0'

    def forward(self, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        lp_all = backend.to_host(log_probs.array).astype(np.float64)
        self.dtype, self.xp = log_probs.array.dtype, backend.array_module(log_probs.array)
        self.blank, self.zero_infinity = blank, zero_infinity
        self.cases = []
        nll = np.zeros(lp_all.shape[1])
        for n in range(lp_all.shape[1]):
            lp, ext, length = lp_all[:, n], _extended(targets[n], blank), input_lengths[n]
            alpha = _alpha(lp, ext, length)
            last = alpha[length - 1, -1] if length else (0.0 if len(ext) == 1 else -np.inf)
            if len(ext) > 1 and length:
                last = _lse(last, alpha[length - 1, -2])
            nll[n] = -last
            self.cases.append((lp, ext, length, alpha))
        self.nll = nll
        out = np.where(np.isinf(nll), 0.0, nll) if zero_infinity else nll
        return self.xp.asarray(out.astype(self.dtype))

    def backward(self, grad):
        g = backend.to_host(grad.array).astype(np.float64)
        t_len, n_batch = self.cases[0][0].shape[0], len(self.cases)
        c = self.cases[0][0].shape[1]
        out = np.zeros((t_len, n_batch, c))
        for n, (lp, ext, length, alpha) in enumerate(self.cases):
            if self.zero_infinity and np.isinf(self.nll[n]):
                continue
            beta = _beta(lp, ext, length)
            ab = alpha + beta                                  # log(alpha * beta) double-counts lp
            lcab = np.full((t_len, c), -np.inf)
            for s, label in enumerate(ext):
                lcab[:, label] = _lse(lcab[:, label], ab[:, s])
            with np.errstate(over='ignore', invalid='ignore'):
                frame = np.exp(lp) - np.exp(lcab + self.nll[n] - lp)
            frame[length:] = 0
            out[:, n] = frame * g[n]
        return wrap(self.xp.asarray(out.astype(self.dtype))), None, None, None


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean', zero_infinity=False):
    """CTC loss per sample (reduction 'none'), summed ('sum'), or each divided by its target length and
    averaged ('mean'). targets: (N, S) padded, or 1-D concatenated; lengths: tuples or 1-D tensors."""
    as_list = lambda v: [int(x) for x in (backend.to_host(v.array).reshape(-1) if isinstance(v, Tensor)  # noqa: E731
                                          else np.asarray(v).reshape(-1))]
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if isinstance(targets, Tensor) and targets.dim() == 1 else targets
    in_lens, tgt_lens = as_list(input_lengths), as_list(target_lengths)
    t_len, n_batch = log_probs.shape[0], log_probs.shape[1]
    if len(in_lens) != n_batch or len(tgt_lens) != n_batch:
        raise RuntimeError(f"ctc_loss: expected input_lengths and target_lengths of size {n_batch} (the batch), "
                           f"got {len(in_lens)} and {len(tgt_lens)}")
    if any(length > t_len for length in in_lens):
        raise RuntimeError(f"Expected input_lengths to have value at most {t_len}, but got value "
                           f"{max(in_lens)} (while checking arguments for ctc_loss_cpu)")
    tv = backend.to_host(targets.array if isinstance(targets, Tensor) else np.asarray(targets)).astype(np.int64)
    if tv.ndim == 2:
        seqs = [tv[n, :tgt_lens[n]] for n in range(n_batch)]
    else:
        offsets = np.concatenate([[0], np.cumsum(tgt_lens)])
        seqs = [tv[offsets[n]:offsets[n + 1]] for n in range(n_batch)]
    losses = CTCLoss.apply(log_probs, targets=seqs, input_lengths=in_lens, target_lengths=tgt_lens, blank=blank,
                           zero_infinity=zero_infinity)
    if reduction == 'none':
        return losses.squeeze(0) if unbatched else losses
    if reduction == 'sum':
        return losses.sum()
    if reduction == 'mean':
        xp = backend.array_module(log_probs.array)
        lengths = wrap(xp.asarray(np.maximum(np.asarray(tgt_lens), 1).astype(log_probs.array.dtype)))
        return (losses / lengths).mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")
