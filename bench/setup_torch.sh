#!/usr/bin/env bash
# Installs the PyTorch peer of the benchmarks (Debian's python3-torch, CPU) when missing.
# Never a dependency of the tests. Run as root: bash bench/setup_torch.sh
set -euo pipefail
# Debian's torch uses the system BLAS: without OpenBLAS it is the reference BLAS (~6 GFLOP/s).
if ! /usr/bin/python3 -c "import torch" 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread ]; then
  apt-get update -q
  apt-get install -y -q python3-torch libopenblas0-pthread
fi
/usr/bin/python3 -c "import torch; print('torch', torch.__version__)"
# Run it with the machine's OpenBLAS overrides unset (they slow a current OpenBLAS):
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_peer.py
