namespace Zamio.Shared.Tests;

/// <summary>
/// What steady-state work allocates on the calling thread. The runtime can allocate once on a test thread
/// by itself (a hot method tiering up while parallel tests keep the JIT busy shows as one 8 KB allocation
/// context), so the work runs in several rounds and the least is reported: an allocation in the code under
/// test shows in every round.
/// </summary>
internal static class Allocations
{
    public static long LeastOf(int rounds, Action work)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var least = long.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            work();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
