using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// Real access tokens for the bench: the password grant of the CLI client against Identity (directly when self-hosted,
/// through the gateway with --target). Tokens are cached per user and fetched again a minute before they expire, so
/// loads longer than a token's 15 minutes keep working; callers ask for the token on every request.
/// </summary>
public sealed class BenchIdentity(HttpClient identity)
{
    public const string TokenPath = "auth/connect/token";
    public const string RegisterPath = "auth/register";

    /// <summary>Buyers the bench registers share this password (the demo users' is <see cref="PlatformIdentity.DemoPassword"/>).</summary>
    public const string BuyerPassword = "Correct-Horse-9";

    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Task<Token>> _tokens = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The client that reaches Identity's <c>auth/*</c> paths (the identity resource, or the gateway).</summary>
    public HttpClient Client { get; } = identity;

    public Task<string> AdminAsync(CancellationToken cancellationToken) => TokenAsync(PlatformIdentity.DemoAdmin, PlatformIdentity.DemoPassword, cancellationToken);

    /// <summary>A valid token for the user: cached, or fetched when missing, failed or about to expire.</summary>
    public async Task<string> TokenAsync(string email, string password, CancellationToken cancellationToken)
    {
        while (true)
        {
            var cached = _tokens.GetOrAdd(email, _ => RequestAsync(Client, email, password, CancellationToken.None));
            Token token;
            try
            {
                token = await cached.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A failed fetch is not cached: the next caller tries again.
                _tokens.TryRemove(KeyValuePair.Create(email, cached));
                throw;
            }

            if (token.ExpiresAt - DateTimeOffset.UtcNow > RefreshBefore)
            {
                return token.AccessToken;
            }

            // Only the caller that swaps the stale entry out fetches; the others pick up its task on the next round.
            _tokens.TryUpdate(email, RequestAsync(Client, email, password, CancellationToken.None), cached);
        }
    }

    /// <summary>One password-grant exchange, uncached: what a client signing in pays.</summary>
    public static async Task<Token> RequestAsync(HttpClient client, string email, string password, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            client,
            () => new HttpRequestMessage(HttpMethod.Post, TokenPath)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "password",
                    ["client_id"] = "aspireshop-cli",
                    ["username"] = email,
                    ["password"] = password,
                }),
            },
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Token for {email}: {(int)response.StatusCode} {body}");
        }

        var json = JsonNode.Parse(body)!;
        var lifetime = TimeSpan.FromSeconds(json["expires_in"]?.GetValue<double>() ?? 300);
        return new Token(json["access_token"]!.GetValue<string>(), DateTimeOffset.UtcNow + lifetime);
    }

    /// <summary>Registers a new buyer (POST auth/register) and returns its credentials.</summary>
    public static async Task<(string Email, string Password)> RegisterBuyerAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var email = $"bench-{Guid.NewGuid():N}@example.test";
        using var response = await SendAsync(
            client,
            () => new HttpRequestMessage(HttpMethod.Post, RegisterPath) { Content = JsonContent.Create(new { email, password = BuyerPassword, name = "Bench Buyer" }) },
            cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Register {email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (email, BuyerPassword);
    }

    /// <summary>Registers <paramref name="count"/> buyers a few at a time (each costs Identity two password hashes).</summary>
    public async Task<IReadOnlyList<(string Email, string Password)>> RegisterBuyersAsync(int count, CancellationToken cancellationToken)
    {
        var buyers = new ConcurrentBag<(string, string)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (_, ct) =>
        {
            var (email, password) = await RegisterBuyerAsync(Client, ct);
            await TokenAsync(email, password, ct);
            buyers.Add((email, password));
        });
        return buyers.ToList();
    }

    /// <summary>
    /// Setup requests (not measured) wait out a gateway's 429 instead of failing: with --target the limits are whatever
    /// that gateway was given. The request is built anew per attempt (a sent message cannot be sent again).
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var message = request();
            var response = await client.SendAsync(message, cancellationToken);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == 20)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, cancellationToken);
        }
    }

    public static HttpRequestMessage Authorized(HttpMethod method, string path, string token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public sealed record Token(string AccessToken, DateTimeOffset ExpiresAt);
}
