"""Builds the hpcflow Python package against an installed libhpcflow.

Offline, from Debian's packages only (python3-setuptools, python3-pybind11,
python3-dev): no pyproject.toml on purpose, so that pip builds with the
setuptools it has instead of downloading one into an isolated environment.

    PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pip install ./python

The library is found with pkg-config (or HPCFLOW_PREFIX=PREFIX), and its
directory is recorded as the extension's run path.
"""

import os
import shlex
import subprocess

from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup


def hpcflow_flags():
    prefix = os.environ.get("HPCFLOW_PREFIX")
    if prefix:
        return [os.path.join(prefix, "include")], [os.path.join(prefix, "lib")]
    try:
        out = subprocess.run(["pkg-config", "--cflags", "--libs", "hpcflow"], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit("hpcflow: cannot find libhpcflow: install it (cmake --install) and set "
                         "PKG_CONFIG_PATH=PREFIX/lib/pkgconfig or HPCFLOW_PREFIX=PREFIX "
                         f"({e})")
    flags = shlex.split(out)
    return ([f[2:] for f in flags if f.startswith("-I")],
            [f[2:] for f in flags if f.startswith("-L")])


include_dirs, library_dirs = hpcflow_flags()

setup(
    name="hpcflow",
    version="0.1.0",
    description="Amazon States Language workflows on HPC clusters, embedded in Python",
    packages=["hpcflow"],
    ext_modules=[
        Pybind11Extension(
            "hpcflow._hpcflow",
            ["src/hpcflow_module.cc"],
            include_dirs=include_dirs,
            library_dirs=library_dirs,
            runtime_library_dirs=library_dirs,
            libraries=["hpcflow"],
            cxx_std=20,
        )
    ],
    python_requires=">=3.9",
)
