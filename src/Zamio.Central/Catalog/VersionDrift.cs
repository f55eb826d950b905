namespace Zamio.Central.Catalog;

/// <summary>
/// Decides when the catalogue version in Redis and the index's version differ for want of a notification. A change
/// bumps the version before its notification arrives and is applied, so only a difference that outlasts one check,
/// with the index unchanged in between, means a lost notification (a full reload costs seconds to minutes).
/// </summary>
public sealed class VersionDrift
{
    private long? _differedAt;

    /// <summary>Called once per check; true when the index should be reloaded.</summary>
    public bool Check(long remote, long local)
    {
        if (remote == local)
        {
            _differedAt = null;
            return false;
        }

        if (_differedAt != local)
        {
            _differedAt = local;
            return false;
        }

        _differedAt = null;
        return true;
    }
}
