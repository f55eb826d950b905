using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Zamio.Central.Api;

/// <summary>
/// Keyset paging shared by the list endpoints: at most <c>limit</c> items a page, and a page with more behind it names
/// the next one in a Link header (RFC 8288), so a client walks the whole list page by page and the body stays a plain array.
/// </summary>
internal static class Paging
{
    /// <summary>The page size asked for (<paramref name="fallback"/>, or <paramref name="max"/>, when none was), or a 400 saying what is allowed.</summary>
    public static IResult? ParseLimit(string? limit, int max, out int size, int? fallback = null)
    {
        size = fallback ?? max;
        return limit is null || (int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) && size is >= 1 && size <= max)
            ? null
            : Results.Problem($"'limit' must be a whole number from 1 to {max}.", statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// Cuts <paramref name="fetched"/> (read with one item more than <paramref name="size"/>, which tells whether a next page
    /// exists) to the page, and links the next page after its last item.
    /// </summary>
    public static IReadOnlyList<T> Page<T>(HttpContext context, IReadOnlyList<T> fetched, int size, Func<T, string> cursor)
    {
        if (fetched.Count <= size)
        {
            return fetched;
        }

        var page = fetched.Take(size).ToList();
        var query = context.Request.Query.Where(q => q.Key != "after")
            .Append(new KeyValuePair<string, StringValues>("after", cursor(page[^1])));
        context.Response.Headers.Link = $"<{context.Request.PathBase}{context.Request.Path}{QueryString.Create(query)}>; rel=\"next\"";
        return page;
    }
}
