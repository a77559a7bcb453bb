using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AspireShop.TestKit;

/// <summary>Real access tokens from the platform's Identity service (password grant of the CLI client).</summary>
public static class PlatformIdentity
{
    /// <summary>The demo users' password (seeded by Identity in development; listed in the README).</summary>
    public const string DemoPassword = "Pass123$";

    public const string DemoBuyer = "buyer@aspireshop.dev";
    public const string DemoSellerA = "seller-a@aspireshop.dev";
    public const string DemoSellerB = "seller-b@aspireshop.dev";
    public const string DemoAdmin = "admin@aspireshop.dev";

    /// <summary>Seller ids of the demo sellers: the first two sellers of Catalog's deterministic seed.</summary>
    public static readonly Guid DemoSellerAId = Guid.Parse("e64c1720-3a41-ce05-66b6-ea56b18ecd2f");
    public static readonly Guid DemoSellerBId = Guid.Parse("47d0abb4-4208-fb83-ca56-6adb46e9ed5a");

    public static async Task<string> PasswordTokenAsync(HttpClient identity, string email, string password = DemoPassword)
    {
        using var response = await identity.PostAsync("/auth/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = "aspireshop-cli",
            ["username"] = email,
            ["password"] = password,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Token for {email}: {(int)response.StatusCode} {body}");
        }

        return JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
    }

    public static async Task<string> TokenAsync(this PlatformFixture platform, string email, string password = DemoPassword)
    {
        using var identity = platform.CreateHttpClient("identity");
        return await PasswordTokenAsync(identity, email, password);
    }

    /// <summary>A client of <paramref name="resource"/> that sends <paramref name="token"/> as its bearer token.</summary>
    public static HttpClient CreateHttpClient(this PlatformFixture platform, string resource, string? token)
    {
        var client = platform.CreateHttpClient(resource);
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Registers a new buyer through <paramref name="client"/> (the gateway or Identity itself).</summary>
    public static async Task<(string Email, string Password)> RegisterBuyerAsync(HttpClient client)
    {
        var email = $"buyer-{Guid.NewGuid():N}@example.test";
        const string password = "Correct-Horse-9";
        using var response = await client.PostAsJsonAsync("/auth/register", new { email, password, name = "Test Buyer" });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Register {email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return (email, password);
    }
}
