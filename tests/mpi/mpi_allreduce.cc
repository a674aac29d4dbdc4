// Smallest useful MPI check: every rank reports itself and an Allreduce sums
// the ranks. Proves that the Open MPI install, mpirun's launch in this
// environment (root, containers, oversubscribed cores) and shared-memory
// transport work before any hpcflow MPI backend test relies on them.
#include <mpi.h>

#include <cstdio>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::printf("rank %d of %d\n", rank, size);
  std::fflush(stdout);

  long local = rank + 1;  // 1..size, so a lost rank changes the sum
  long sum = 0;
  MPI_Allreduce(&local, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  const long expected = static_cast<long>(size) * (size + 1) / 2;
  const bool ok = sum == expected;
  if (rank == 0) {
    std::printf("allreduce sum %ld expected %ld: %s\n", sum, expected, ok ? "ok" : "WRONG");
  }
  MPI_Finalize();
  return ok ? 0 : 1;
}
