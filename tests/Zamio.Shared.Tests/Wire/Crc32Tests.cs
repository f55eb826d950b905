using System.Text;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

public class Crc32Tests
{
    [Fact]
    public void Compute_StandardCheckString_MatchesIeeeCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32.Compute([]));
    }
}
