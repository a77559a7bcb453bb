using System.Text.Json;
using Polly;

namespace AspireShop.WebApp.Services;

/// <summary>
/// The signed-in buyer's cart (Cart.API through the gateway). Every change answers the whole cart as it now is, so a
/// page renders from the reply. Holding units is implicit: adding or changing a line holds them, and a line whose hold
/// expired is held again by <see cref="HoldAgainAsync"/> or by changing its quantity; a line still held cannot be extended.
/// </summary>
public sealed class CartClient(HttpClient http)
{
    public Task<GatewayReply<CartView>> GetAsync(CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<CartView>(http, () => new HttpRequestMessage(HttpMethod.Get, "/api/cart"), cancellationToken);

    /// <summary>Adds <paramref name="quantity"/> units of a seller's offer (a new line or more of an existing one).</summary>
    public Task<GatewayReply<CartView>> AddLineAsync(Guid skuId, Guid sellerId, int quantity, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<CartView>(
            http,
            () => new HttpRequestMessage(HttpMethod.Post, "/api/cart/items") { Content = JsonContent.Create(new { skuId, sellerId, quantity }) },
            cancellationToken);

    public Task<GatewayReply<CartView>> SetQuantityAsync(Guid skuId, Guid sellerId, int quantity, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<CartView>(
            http,
            () => new HttpRequestMessage(HttpMethod.Put, LinePath(skuId, sellerId)) { Content = JsonContent.Create(new { quantity }) },
            cancellationToken);

    public Task<GatewayReply<CartView>> RemoveLineAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<CartView>(http, () => new HttpRequestMessage(HttpMethod.Delete, LinePath(skuId, sellerId)), cancellationToken);

    /// <summary>Holds the units of a line whose hold expired (a line still held is left as it is).</summary>
    public Task<GatewayReply<CartView>> HoldAgainAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<CartView>(http, () => new HttpRequestMessage(HttpMethod.Post, $"{LinePath(skuId, sellerId)}/hold"), cancellationToken);

    /// <summary>Units in the cart, or null when the cart cannot be read (the badge then shows nothing rather than a wrong 0).</summary>
    public async Task<int?> CountAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync(cancellationToken)).Value?.ItemCount;

    private static string LinePath(Guid skuId, Guid sellerId) => $"/api/cart/items/{skuId}/{sellerId}";
}

public sealed record CartView(Guid BuyerId, IReadOnlyList<CartLineView> Lines, IReadOnlyList<CartTotal> Totals)
{
    public int ItemCount => Lines.Sum(l => l.Quantity);

    public bool HasExpiredHolds => Lines.Any(l => !l.IsHeld);
}

public sealed record CartLineView(
    Guid SkuId,
    Guid SellerId,
    Guid ProductId,
    string ProductTitle,
    string SkuCode,
    Dictionary<string, string>? Attributes,
    decimal UnitPrice,
    string Currency,
    int Quantity,
    decimal LineTotal,
    Guid ReservationId,
    DateTimeOffset HoldExpiresAt,
    string HoldStatus)
{
    public const int MaxQuantity = 99;

    public bool IsHeld => HoldStatus == "held";

    /// <summary>Identifies the line in form names and element ids.</summary>
    public string Key => $"{SkuId:N}-{SellerId:N}";
}

/// <summary>Amounts in different currencies are never added together.</summary>
public sealed record CartTotal(string Currency, int Quantity, decimal Amount);

/// <summary>
/// A gateway answer: the value on success, otherwise the API's problem (or <see cref="ApiProblem.Unavailable"/> when the
/// gateway could not be reached), and the Retry-After the API asked for.
/// </summary>
public sealed record GatewayReply<T>(T? Value, ApiProblem? Problem, TimeSpan? RetryAfter = null)
    where T : class
{
    public bool Succeeded => Problem is null && Value is not null;
}

public static class BuyerProblems
{
    public static bool IsUnauthorized(this ApiProblem problem) => problem.Status == StatusCodes.Status401Unauthorized;

    /// <summary>Title and detail in one or two sentences, for a message at the top of a form or next to a line.</summary>
    public static string Message(this ApiProblem problem) => problem.Detail is { Length: > 0 } detail ? $"{problem.Title} {detail}" : problem.Title;

    /// <summary>A field's messages as sentences naming it ("Postal code is required."), or null when it has none.</summary>
    public static string? Sentence(this ApiProblem problem, string field) =>
        problem.For(field) is { Count: > 0 } messages ? string.Join(" ", messages.Select(m => $"{Humanise(field)} {m}")) : null;

    // "shippingAddress.postalCode" → "Postal code".
    private static string Humanise(string field)
    {
        var name = field[(field.LastIndexOf('.') + 1)..];
        var words = string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? $" {char.ToLowerInvariant(c)}" : c.ToString()));
        return words.Length == 0 ? field : char.ToUpperInvariant(words[0]) + words[1..];
    }
}

/// <summary>One request through the gateway, with a failure to reach it turned into <see cref="ApiProblem.Unavailable"/>.</summary>
internal static class GatewayCall
{
    public static async Task<GatewayReply<T>> SendAsync<T>(HttpClient http, Func<HttpRequestMessage> request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            using var message = request();
            using var response = await http.SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new GatewayReply<T>(null, await ApiProblem.ReadAsync(response, cancellationToken), response.Headers.RetryAfter?.Delta);
            }

            return await response.Content.ReadFromJsonAsync<T>(cancellationToken) is { } value
                ? new GatewayReply<T>(value, null)
                : new GatewayReply<T>(null, new ApiProblem((int)response.StatusCode, "The answer was empty.", null, new Dictionary<string, string[]>()));
        }
        catch (Exception exception) when (IsUnreachable(exception, cancellationToken))
        {
            return new GatewayReply<T>(null, ApiProblem.Unavailable("The shop"));
        }
    }

    /// <summary>The network, a resilience refusal (open circuit, timeout), an unreadable body; never the caller's own cancel.</summary>
    public static bool IsUnreachable(Exception exception, CancellationToken cancellationToken) =>
        ApiProblem.IsUnavailable(exception) || exception is ExecutionRejectedException or JsonException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);
}
