using System.Security.Cryptography;
using System.Text;

namespace OrderActors.Grains.Orders;

public static class OrderIds
{
    /// <summary>
    /// The id of the order a customer's checkout with <paramref name="key"/> creates: 32 hex digits of SHA-256 over
    /// both, so every attempt with the key reaches the same order and no attempt needs to store the id first.
    /// </summary>
    public static string ForCheckout(string customerId, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{customerId}\n{key}")), 0, 16);
}
