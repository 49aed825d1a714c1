"""Task attention: how much each task's head reads from the other tasks' representations.

**Our reconstruction.** The M3H paper (Bertsimas & Ma, arXiv 2404.18975) describes a task
attention that balances *self-exploitation* (a task using its own representation) and
*cross-exploration* (using other tasks'), but its exact formula is not public. We build it
from the abstract, a review and a third-party re-implementation:

* each task t has its own projection of the shared representation, ``X[t] = P_t x``;
* learned task queries ``Q`` (one vector per task), keys ``K = W_K X`` and values
  ``V = W_V X``; scores ``M = Q Kᵀ / sqrt(d)`` (a T x T matrix per patient);
* cross-task attention ``A = softmax_row(M)`` over the *other* tasks (diagonal masked);
* weights ``W = (I + α A) / (1 + α)``: the identity is self-exploitation, ``α`` scales
  cross-exploration. ``α = 0`` gives ``W = I``: separate task towers on a shared trunk
  (plain hard parameter sharing); ``α = 1`` gives half self, half others; large ``α``
  lets the others dominate.

The brief's sketch ``softmax_row(I + α M)`` does not reduce to separate towers at
``α = 0`` (a softmax of the identity still mixes every task), so we mix after the softmax
instead; the rows of ``W`` still sum to one. Task t's head reads row t of ``W V`` plus a
residual ``X[t]``. Introduced in notebook 05.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class TaskAttention(nn.Module):
    """Mix per-task representations with self/cross weights controlled by ``alpha``.

    Parameters
    ----------
    n_tasks : number of tasks T.
    dim : size of each task's representation.
    alpha : cross-exploration strength (0 = self only).
    """

    def __init__(self, n_tasks: int, dim: int, *, alpha: float = 1.0):
        super().__init__()
        if alpha < 0 or not math.isfinite(alpha):
            raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}.")
        self.n_tasks = n_tasks
        self.alpha = float(alpha)
        self.queries = nn.Parameter(torch.randn(n_tasks, dim) / math.sqrt(dim))
        self.key = nn.Linear(dim, dim, bias=False)
        self.value = nn.Linear(dim, dim, bias=False)
        self.register_buffer("eye", torch.eye(n_tasks), persistent=False)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """Attention weights ``W`` of shape (batch, T, T); row t = what task t reads."""
        keys = self.key(x)  # (B, T, d)
        scores = torch.einsum("td,bsd->bts", self.queries, keys) / math.sqrt(x.shape[-1])
        if self.n_tasks == 1:
            return self.eye.expand(x.shape[0], 1, 1)
        scores = scores.masked_fill(self.eye.bool(), float("-inf"))
        cross = torch.softmax(scores, dim=-1)
        return (self.eye + self.alpha * cross) / (1.0 + self.alpha)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the mixed representations (B, T, d) and the weights (B, T, T)."""
        w = self.weights(x)
        mixed = torch.bmm(w, self.value(x)) + x
        return mixed, w
