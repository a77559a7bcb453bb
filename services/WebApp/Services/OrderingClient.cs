using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace AspireShop.WebApp.Services;

/// <summary>
/// The buyer's side of Ordering.API through the gateway: checkout (with the form's Idempotency-Key), the order, its
/// status as Server-Sent Events, the history and the cancel.
/// </summary>
public sealed class OrderingClient(HttpClient http, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Places the order of the buyer's cart. The same <paramref name="idempotencyKey"/> always answers the same order:
    /// while its first request is still in flight Ordering answers 409 with Retry-After, so this waits and asks again.
    /// </summary>
    public async Task<GatewayReply<OrderPlaced>> PlaceAsync(string idempotencyKey, PlaceOrder order, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var reply = await GatewayCall.SendAsync<OrderPlaced>(http, () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(order, options: Json) };
                return request.WithIdempotencyKey(idempotencyKey);
            }, cancellationToken);
            if (reply is not { Problem.Status: StatusCodes.Status409Conflict, RetryAfter: { } wait } || attempt >= 10)
            {
                return reply;
            }

            await Task.Delay(wait < TimeSpan.FromSeconds(2) ? wait : TimeSpan.FromSeconds(2), clock, cancellationToken);
        }
    }

    public Task<GatewayReply<BuyerOrder>> GetAsync(Guid orderId, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<BuyerOrder>(http, () => new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}"), cancellationToken);

    /// <summary>The buyer's orders, newest first (<paramref name="pageSize"/> 1–100).</summary>
    public Task<GatewayReply<BuyerOrderPage>> ListAsync(int page, int pageSize, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<BuyerOrderPage>(http, () => new HttpRequestMessage(HttpMethod.Get, $"/api/orders?page={page}&pageSize={pageSize}"), cancellationToken);

    /// <summary>Asks to cancel (202 with the order); 409 when it already failed, shipped, or every part was cancelled.</summary>
    public Task<GatewayReply<BuyerOrder>> CancelAsync(Guid orderId, CancellationToken cancellationToken = default) =>
        GatewayCall.SendAsync<BuyerOrder>(http, () => new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/cancel"), cancellationToken);

    /// <summary>
    /// The order's status stream: the current status at once, then each change, until the saga is at rest (the server
    /// then ends the stream). Ends quietly when the stream drops; the caller re-reads the order and decides whether to
    /// listen again.
    /// </summary>
    public async IAsyncEnumerable<OrderStatusUpdate> WatchAsync(Guid orderId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception exception) when (GatewayCall.IsUnreachable(exception, cancellationToken))
        {
            yield break;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                yield break;
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var events = SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                OrderStatusUpdate? update;
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        yield break;
                    }

                    update = JsonSerializer.Deserialize<OrderStatusUpdate>(events.Current.Data, Json);
                }
                catch (Exception exception) when (exception is IOException || GatewayCall.IsUnreachable(exception, cancellationToken))
                {
                    yield break;
                }

                if (update is not null)
                {
                    yield return update;
                }
            }
        }
    }
}

/// <summary>The checkout form as Ordering takes it: prices and totals come from the cart and Catalog, never from here.</summary>
public sealed record PlaceOrder(ShipTo ShippingAddress, string PaymentMethod);

public sealed record ShipTo(string? Name, string? Line1, string? Line2, string? City, string? PostalCode, string? Country);

/// <summary>The 202 of a placed (or replayed) order.</summary>
public sealed record OrderPlaced(Guid Id, string Status, decimal Total, string Currency, string Location, string Events);

public static class OrderStatuses
{
    public const string Pending = "PENDING";
    public const string Confirmed = "CONFIRMED";
    public const string Failed = "FAILED";
}

public sealed record BuyerOrder(
    Guid Id,
    Guid BuyerId,
    string Status,
    string? FailureReason,
    bool CancelRequested,
    IReadOnlyList<BuyerOrderLine> Lines,
    decimal Total,
    string Currency,
    ShipTo ShippingAddress,
    string PaymentMethod,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<OrderTimelineEntry>? Timeline,
    OrderFulfillment? Fulfillment)
{
    /// <summary>The saga will still move it: pending, or confirmed with a cancel being compensated.</summary>
    public bool IsMoving => IsMovingStatus(Status, CancelRequested);

    /// <summary>What Ordering would accept a cancel for; a part already shipped or delivered ends that.</summary>
    public bool IsCancellable =>
        !CancelRequested
        && (Status == OrderStatuses.Pending
            || (Status == OrderStatuses.Confirmed
                && Fulfillment?.Parts.Any(p => p.Status is "SHIPPED" or "DELIVERED") != true
                && Fulfillment?.Parts.All(p => p.Status == "CANCELLED") != true));

    public static bool IsMovingStatus(string status, bool cancelRequested) =>
        status == OrderStatuses.Pending || (status == OrderStatuses.Confirmed && cancelRequested);
}

public sealed record BuyerOrderLine(
    Guid SkuId, Guid SellerId, Guid ProductId, string ProductTitle, string SkuCode, int Quantity, decimal UnitPrice, decimal LineTotal);

public sealed record OrderTimelineEntry(string Step, string? Detail, DateTimeOffset At);

/// <summary>Ordering's summary of the sellers' shipments (one part per seller), null until the order is sold.</summary>
public sealed record OrderFulfillment(string Status, IReadOnlyList<OrderFulfillmentPart> Parts);

public sealed record OrderFulfillmentPart(
    Guid SellerId, Guid? ShipmentId, string Status, string? Carrier, string? TrackingNumber, string? CancelReason, DateTimeOffset? UpdatedAt);

public sealed record BuyerOrderPage(IReadOnlyList<BuyerOrder> Items, int Page, int PageSize, int Total)
{
    public int Pages => PageSize <= 0 ? 1 : Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>One Server-Sent Event of the order's stream; <see cref="Step"/> is the saga's step (Reserving … Confirmed, Failed).</summary>
public sealed record OrderStatusUpdate(Guid Id, string Status, string? FailureReason, string Step, DateTimeOffset UpdatedAt)
{
    public bool IsAtRest => Step is "Confirmed" or "Failed";
}
