using Xunit.Abstractions;

namespace Zamio.Agent.Tests;

/// <summary>
/// Tests that need something outside .NET (a Mosquitto binary or server) skip with a visible message when it is
/// missing, except under <c>CI=true</c>, where CI installs it and a missing one is a failure.
/// </summary>
internal static class TestEnvironment
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns false (after saying so) when the test should skip; fails the test under CI.</summary>
    public static bool Require(bool available, string missing, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (available)
        {
            return true;
        }

        var message = $"SKIPPED: {missing}; install and start it with scripts/services.sh install && scripts/services.sh start";
        if (InCi)
        {
            Assert.Fail(message);
        }

        output.WriteLine(message);
        Console.Error.WriteLine(message);
        return false;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; for state only visible on disk or in another process.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var deadline = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(deadline) > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await timer.WaitForNextTickAsync();
        }
    }
}
