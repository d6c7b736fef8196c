using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Who issues the tokens the gateway and the silos' dashboards accept, bound from the <c>Auth</c> configuration section: a real OIDC issuer
/// (<see cref="Authority"/>), or in development a symmetric <see cref="SigningKey"/> that <c>token</c> mints with.
/// </summary>
public sealed class AuthSettings
{
    /// <summary>The OIDC issuer URL; its discovery document supplies the signing keys. Wins over <see cref="SigningKey"/>.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> every token must carry.</summary>
    public string Audience { get; set; } = "orderactors";

    /// <summary>The <c>iss</c> of development tokens signed with <see cref="SigningKey"/>.</summary>
    public string Issuer { get; set; } = "orderactors-dev";

    /// <summary>Development only: an HMAC-SHA256 key of at least 32 characters.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim holding roles; issuers differ (<c>role</c>, <c>roles</c>, ...).</summary>
    public string RoleClaim { get; set; } = "role";

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    public SymmetricSecurityKey SymmetricKey()
    {
        if (string.IsNullOrEmpty(SigningKey) || Encoding.UTF8.GetByteCount(SigningKey) < 32)
        {
            throw new InvalidOperationException(
                "Auth:Authority (an OIDC issuer) or Auth:SigningKey (development, at least 32 characters) is required " +
                "(environment: Auth__Authority or Auth__SigningKey).");
        }

        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey));
    }

    public static AuthSettings From(IConfiguration configuration) =>
        configuration.GetSection("Auth").Get<AuthSettings>() ?? new AuthSettings();
}
