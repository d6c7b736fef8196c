using System.Text;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.ReadModel;

/// <summary>Paging cursors are opaque to clients: base64url of the last item's sort key.</summary>
public static class Cursors
{
    public static string Encode(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The sort key; <see cref="FormatException"/> for anything a listing did not hand out.</summary>
    public static string Decode(string cursor)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        var key = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
        return StorableText.IsValid(key) ? key : throw new FormatException("The cursor decodes to text PostgreSQL cannot hold.");
    }
}
