namespace Zamio.Shared.Matching;

/// <summary>
/// Which vote cells of a window get verified, taken best-voted first. A loud track wins cells under several
/// neighbouring speeds at one place, and a loop-based one at every repeat of its loop, where its own true place can
/// hold fewer votes than the repeats: verification, not the vote count, tells them apart. So each place of a track
/// gets a few cells, each track a few places, and the rest of the shortlist stays open for a second track underneath
/// (crossfades, a song under a jingle).
/// </summary>
internal sealed class PlaceQuota
{
    public const int CellsPerPlace = 2;
    public const int PlacesPerTrack = 3;

    /// <summary>Cells whose track positions (at the query's middle) are this close are one place.</summary>
    public const double SamePlaceFrames = 16;

    private readonly List<(int Track, double Place, int Cells)> _places = [];

    public void Clear() => _places.Clear();

    /// <summary>Takes a cell of <paramref name="track"/> at track position <paramref name="place"/> if its quotas allow.</summary>
    public bool Admit(int track, double place)
    {
        var places = 0;
        for (var i = 0; i < _places.Count; i++)
        {
            var (t, p, cells) = _places[i];
            if (t != track)
            {
                continue;
            }

            if (Math.Abs(p - place) <= SamePlaceFrames)
            {
                if (cells == CellsPerPlace)
                {
                    return false;
                }

                _places[i] = (t, p, cells + 1);
                return true;
            }

            places++;
        }

        if (places == PlacesPerTrack)
        {
            return false;
        }

        _places.Add((track, place, 1));
        return true;
    }
}
