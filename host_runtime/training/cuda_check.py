"""`--device cuda` where torch cannot provide it: one clear line and exit status 2, never a traceback.

The project pins a CPU build of torch (requirements.lock); on a GPU machine the code runs under that machine's
own torch with CUDA. Asking for CUDA on a CPU-only build is a user error, reported as such."""
from __future__ import annotations

import sys

import torch


class NoCuda(SystemExit):
    """Raised (exit status 2) after the message has been printed."""


def require_cuda(device: str, prog: str) -> None:
    if device.startswith("cuda") and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        print(f"{prog}: --device {device} needs a CUDA GPU, but torch {torch.__version__} here is {build} "
              "(or sees no GPU); use --device cpu, or run where torch has CUDA", file=sys.stderr)
        raise NoCuda(2)
