# Spack package for hpcflow: `spack repo add` a repository holding this file
# as packages/hpcflow/package.py, then `spack install hpcflow`.
from spack.package import *


class Hpcflow(CMakePackage):
    """Workflow orchestrator for HPC clusters: Amazon States Language
    workflows whose tasks run as Slurm jobs and arrays, MPI runs or local
    processes, with a durable history, task-token callbacks and an
    embeddable C++ engine (find_package(hpcflow))."""

    # Where your site mirrors the repository (there is no public release
    # yet): `spack install hpcflow@main` builds its main branch.
    homepage = "https://github.com/hpcflow/hpcflow"
    git = "https://github.com/hpcflow/hpcflow.git"

    maintainers("hpcflow")
    license("Apache-2.0")

    version("main", branch="main")

    variant("tests", default=False, description="Build the test suite (needs googletest)")

    depends_on("cmake@3.25:", type="build")
    depends_on("nlohmann-json@3.10:", type="build")
    depends_on("yaml-cpp")
    depends_on("boost@1.74: +program_options +filesystem +system")
    depends_on("sqlite@3:")
    depends_on("curl")
    depends_on("openssl")
    depends_on("googletest", type="build", when="+tests")
    depends_on("benchmark", type="build", when="+tests")
    # Slurm and MPI are used through their commands (sbatch, mpirun) at run
    # time, from the site's installation: no dependency here.

    def cmake_args(self):
        return [
            self.define_from_variant("HPCFLOW_TESTS", "tests"),
            self.define("HPCFLOW_BENCHMARKS", False),
        ]
