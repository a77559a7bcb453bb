using System.Net;
using System.Text.Json;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Cart.API.Services;

/// <summary>What Inventory answered to a request for a hold.</summary>
public abstract record HoldResult;

/// <summary>The units are held by this reservation until <see cref="ExpiresAt"/>.</summary>
public sealed record Held(Guid ReservationId, DateTimeOffset? ExpiresAt) : HoldResult;

/// <summary>Not enough stock: <see cref="Available"/> units are left.</summary>
public sealed record NotEnough(int Available, string? Detail) : HoldResult;

/// <summary>The reservation to resize is no longer active (expired, released, unknown): take a new one.</summary>
public sealed record HoldGone : HoldResult;

/// <summary>Inventory refused the request itself (e.g. it tracks no stock for this SKU).</summary>
public sealed record HoldRefused(string? Detail) : HoldResult;

/// <summary>A reservation as Inventory reports it.</summary>
public sealed record ReservationState(Guid Id, int Quantity, string Status, DateTimeOffset ExpiresAt)
{
    public const string Active = "active";

    public bool IsActive => Status == Active;
}

/// <summary>
/// Holds stock for cart lines with the cart's own service token (the buyer is the reservation's holder). POST and PUT
/// carry an Idempotency-Key, so the resilience handler may retry them without holding twice.
/// </summary>
public sealed class InventoryClient(HttpClient http)
{
    private const string Dependency = "Inventory";

    public async Task<HoldResult> ReserveAsync(
        Guid skuId, Guid sellerId, int quantity, TimeSpan ttl, Guid holderId, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/inventory/reservations")
        {
            Content = JsonContent.Create(new ReservationRequest(skuId, sellerId, quantity, (int)Math.Ceiling(ttl.TotalSeconds), holderId)),
        };
        request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, idempotencyKey);
        return await SendAsync(request, isResize: false, cancellationToken);
    }

    public async Task<HoldResult> ResizeAsync(Guid reservationId, int quantity, TimeSpan ttl, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/inventory/reservations/{reservationId}")
        {
            // Inventory restarts the hold's TTL on a resize: a cart being edited is not abandoned.
            Content = JsonContent.Create(new ResizeRequest(quantity, (int)Math.Ceiling(ttl.TotalSeconds))),
        };
        request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, idempotencyKey);
        var result = await SendAsync(request, isResize: true, cancellationToken);
        // An answer without a body still means the same reservation now holds the new quantity.
        return result is Held { ReservationId: var id } held && id == Guid.Empty ? held with { ReservationId = reservationId } : result;
    }

    /// <summary>
    /// What the reserve sent with <paramref name="idempotencyKey"/> did, asked after its reply was lost: the hold it
    /// made (active or not), or null when it made none so far.
    /// </summary>
    public async Task<ReservationState?> FindByKeyAsync(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey, CancellationToken cancellationToken) =>
        await GetStateAsync(ByKey(skuId, sellerId, holderId, idempotencyKey), cancellationToken);

    /// <summary>A hold as Inventory has it now, or null when it has none by that id.</summary>
    public async Task<ReservationState?> FindAsync(Guid reservationId, CancellationToken cancellationToken) =>
        await GetStateAsync($"api/inventory/reservations/{reservationId}", cancellationToken);

    /// <summary>Releases the hold the key made, or makes sure a reserve still in flight with it will hold nothing.</summary>
    public async Task ReleaseByKeyAsync(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, ByKey(skuId, sellerId, holderId, idempotencyKey));
            // DELETE by key is idempotent: the resilience handler may repeat it.
            request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, $"release:{idempotencyKey}");
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DependencyUnavailableException(Dependency, $"release by key answered HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, cancellationToken))
        {
            throw new DependencyUnavailableException(Dependency, ex.Message, ex);
        }
    }

    /// <summary>Releases a hold; releasing one that is gone already is fine (Inventory's DELETE is idempotent).</summary>
    public async Task ReleaseAsync(Guid reservationId, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/inventory/reservations/{reservationId}");
            request.Headers.Add(ResiliencePolicy.IdempotencyKeyHeader, $"release:{reservationId}");
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
            {
                throw new DependencyUnavailableException(Dependency, $"release answered HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, cancellationToken))
        {
            throw new DependencyUnavailableException(Dependency, ex.Message, ex);
        }
    }

    private async Task<HoldResult> SendAsync(HttpRequestMessage request, bool isResize, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            switch (response.StatusCode)
            {
                case >= HttpStatusCode.OK and < HttpStatusCode.Ambiguous:
                    var body = await ReadJsonAsync(response, cancellationToken);
                    if (Text(body, "status") is { } status && status != ReservationState.Active)
                    {
                        // A replay of a key whose hold was released since (by a fence, say): nothing is held for it.
                        return isResize ? new HoldGone() : throw new DependencyUnavailableException(Dependency, $"the hold for this key is {status}");
                    }

                    return new Held(
                        body?.TryGetProperty("id", out var id) == true && id.TryGetGuid(out var guid) ? guid : Guid.Empty,
                        body?.TryGetProperty("expiresAt", out var expires) == true && expires.TryGetDateTimeOffset(out var at) ? at : null);
                case HttpStatusCode.Conflict:
                    var problem = await ReadJsonAsync(response, cancellationToken);
                    var detail = Text(problem, "detail") ?? Text(problem, "title");
                    if (problem?.TryGetProperty("available", out var available) == true && available.TryGetInt32(out var left))
                    {
                        return new NotEnough(Math.Max(0, left), detail);
                    }

                    // A resize refused without a count is a reservation that is no longer active.
                    return isResize ? new HoldGone() : new NotEnough(0, detail);
                case HttpStatusCode.NotFound when isResize:
                case HttpStatusCode.Gone when isResize:
                    return new HoldGone();
                case HttpStatusCode.BadRequest:
                    var refusal = await ReadJsonAsync(response, cancellationToken);
                    var fields = refusal?.TryGetProperty("errors", out var errors) == true && errors.ValueKind == JsonValueKind.Object
                        ? errors.EnumerateObject().Select(e => e.Name).ToList()
                        : [];
                    // Only a refusal of the offer itself (no stock kept for it) is the buyer's answer; any other 400
                    // means the cart sent something wrong (e.g. a hold TTL Inventory does not allow): a platform fault.
                    return fields.Count > 0 && fields.All(f => f is "skuId" or "sellerId")
                        ? new HoldRefused(Text(refusal, "detail") ?? "Inventory keeps no stock for this offer.")
                        : throw new DependencyUnavailableException(Dependency, $"refused the request: {string.Join(", ", fields)} {Text(refusal, "title")}");
                default:
                    // 401/403 mean our service token is wrong: a platform fault the buyer cannot fix, so 503 as well.
                    throw new DependencyUnavailableException(Dependency, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, cancellationToken))
        {
            throw new DependencyUnavailableException(Dependency, ex.Message, ex);
        }
    }

    private static string ByKey(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey) =>
        $"api/inventory/reservations?skuId={skuId}&sellerId={sellerId}&holderId={holderId}&idempotencyKey={Uri.EscapeDataString(idempotencyKey)}";

    private async Task<ReservationState?> GetStateAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(path, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new DependencyUnavailableException(Dependency, $"HTTP {(int)response.StatusCode}");
            }

            return await response.Content.ReadFromJsonAsync<ReservationState>(cancellationToken)
                ?? throw new DependencyUnavailableException(Dependency, "empty reservation");
        }
        catch (Exception ex) when (DependencyUnavailableException.IsUnavailable(ex, cancellationToken))
        {
            throw new DependencyUnavailableException(Dependency, ex.Message, ex);
        }
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement? element, string name) =>
        element?.TryGetProperty(name, out var value) == true && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record ReservationRequest(Guid SkuId, Guid SellerId, int Quantity, int TtlSeconds, Guid HolderId);

    private sealed record ResizeRequest(int Quantity, int TtlSeconds);
}
