using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AspireShop.Bench.Scenarios;

/// <summary>
/// One buyer's visit in the chaos soak: its own buyer (one order, one Idempotency-Key), one offer's unit, and what the
/// dice decided before the run (sent twice, cancelled right after the 202). Everything it saw is kept for the checks.
/// </summary>
public sealed class ChaosArrival(
    CheckoutBuyer buyer, (Guid SkuId, Guid SellerId) line, bool duplicate, TimeSpan duplicateAfter, bool cancel, TimeSpan cancelAfter)
{
    public const string Pending = "pending";
    public const string Accepted = "accepted";
    public const string OutOfStock = "out_of_stock_at_cart";

    private readonly Lock _lock = new();
    private readonly HashSet<Guid> _orderIds = [];
    private string _outcome = Pending;

    public CheckoutBuyer Buyer { get; } = buyer;

    public (Guid SkuId, Guid SellerId) Line { get; } = line;

    /// <summary>The POST is sent a second time with the same key, <see cref="DuplicateAfter"/> after the first.</summary>
    public bool Duplicate { get; } = duplicate;

    public TimeSpan DuplicateAfter { get; } = duplicateAfter;

    /// <summary>The buyer cancels the order <see cref="CancelAfter"/> after its 202 (before or after the charge, by chance).</summary>
    public bool Cancel { get; } = cancel;

    public TimeSpan CancelAfter { get; } = cancelAfter;

    public string Key { get; } = Guid.NewGuid().ToString();

    /// <summary>Stopwatch timestamp of the first POST (0 until sent).</summary>
    public long FirstPostAt { get; set; }

    /// <summary>First POST to the first 202, retries included: what a buyer waited through the chaos.</summary>
    public long? AcceptTicks { get; private set; }

    public Guid? OrderId { get; private set; }

    /// <summary>pending, accepted, out_of_stock_at_cart, or why the client gave up or was refused.</summary>
    public string Outcome
    {
        get
        {
            lock (_lock)
            {
                return _outcome;
            }
        }
    }

    public string? RefusalDetail { get; private set; }

    public string? CancelOutcome { get; set; }

    public bool Sent => FirstPostAt != 0;

    /// <summary>Every order id a 202 for this key carried: more than one is a duplicate order.</summary>
    public IReadOnlyCollection<Guid> OrderIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _orderIds];
            }
        }
    }

    public void Answered(Guid orderId)
    {
        lock (_lock)
        {
            _orderIds.Add(orderId);
            if (_outcome != Accepted)
            {
                (_outcome, OrderId, AcceptTicks) = (Accepted, orderId, Stopwatch.GetTimestamp() - FirstPostAt);
            }
        }
    }

    /// <summary>The visit ended without a 202 (a refusal or the client giving up); a 202 of its other send still wins.</summary>
    public void Ended(string outcome, string? detail)
    {
        lock (_lock)
        {
            if (_outcome == Pending)
            {
                (_outcome, RefusalDetail) = (outcome, detail);
            }
        }
    }
}

/// <summary>
/// What a real client does when the shop misbehaves: every call retried (full-jitter backoff, Retry-After honoured) until
/// it has an answer that decides, within <see cref="GiveUpAfter"/> of the visit's start. The cart add checks the cart
/// before adding again (a lost answer may have added the line); the order POST keeps its Idempotency-Key.
/// </summary>
public sealed class ChaosShopper(HttpClient gateway, BenchIdentity identity, TimeSpan giveUpAfter)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly byte[] OrderBody = JsonSerializer.SerializeToUtf8Bytes(new
    {
        shippingAddress = new { name = "Chaos Buyer", line1 = "1 Main Street", city = "Springfield", postalCode = "12345", country = "US" },
        paymentMethod = OrderBench.Card,
    });

    private readonly ConcurrentDictionary<string, long> _attempts = new();
    private readonly ConcurrentDictionary<string, byte> _reported = new();

    public TimeSpan GiveUpAfter { get; } = giveUpAfter;

    /// <summary>Every request the clients sent, by call and answer (e.g. <c>order 202</c>, <c>cart_add http_502</c>).</summary>
    public IReadOnlyDictionary<string, long> Attempts => _attempts;

    /// <summary>One visit: the unit into the cart, the order (twice if so decided), the cancel if so decided.</summary>
    public async Task VisitAsync(ChaosArrival arrival, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var cart = await PutInCartAsync(arrival, started, cancellationToken);
        if (cart is not null)
        {
            arrival.Ended(cart.Value.Outcome, cart.Value.Detail);
            return;
        }

        arrival.FirstPostAt = Stopwatch.GetTimestamp();
        var first = PlaceAsync(arrival, started, TimeSpan.Zero, cancellationToken);
        var second = arrival.Duplicate ? PlaceAsync(arrival, started, arrival.DuplicateAfter, cancellationToken) : Task.CompletedTask;
        await Task.WhenAll(first, second);
        if (arrival.Cancel && arrival.OrderId is { } orderId)
        {
            await Task.Delay(arrival.CancelAfter, cancellationToken);
            arrival.CancelOutcome = await CancelAsync(arrival, orderId, started, cancellationToken);
        }
    }

    /// <returns>Null once the line is in the cart; otherwise the visit's outcome.</returns>
    private async Task<(string Outcome, string? Detail)?> PutInCartAsync(ChaosArrival arrival, long started, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (Stopwatch.GetElapsedTime(started) > GiveUpAfter)
            {
                return ("cart_gave_up", null);
            }

            var answer = await SendAsync("cart_add", arrival, HttpMethod.Post, "api/cart/items", JsonContent.Create(new { skuId = arrival.Line.SkuId, sellerId = arrival.Line.SellerId, quantity = 1 }), cancellationToken);
            switch (answer.Status)
            {
                case (int)HttpStatusCode.Created or (int)HttpStatusCode.OK:
                    return null;
                case (int)HttpStatusCode.Conflict when Title(answer.Body) == "Not enough stock.":
                    return (ChaosArrival.OutOfStock, null);
                case (int)HttpStatusCode.Conflict when Title(answer.Body) == "This offer cannot be held.":
                case (int)HttpStatusCode.BadRequest or (int)HttpStatusCode.NotFound or (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden:
                    Report($"cart_add {answer.Status}", answer.Body);
                    return ($"cart_refused_{answer.Status}", answer.Body);
            }

            // No answer, a 5xx or a 429: the add may have happened all the same. A line already there is this visit's.
            var check = await SendAsync("cart_get", arrival, HttpMethod.Get, "api/cart", null, cancellationToken);
            if (check.Status == (int)HttpStatusCode.OK && HasLine(check.Body, arrival.Line))
            {
                return null;
            }

            await Task.Delay(answer.RetryAfter ?? Backoff(attempt), cancellationToken);
        }
    }

    /// <summary>POST api/orders with the visit's key until a 202 (or a refusal that retrying cannot change).</summary>
    private async Task PlaceAsync(ChaosArrival arrival, long started, TimeSpan after, CancellationToken cancellationToken)
    {
        if (after > TimeSpan.Zero)
        {
            await Task.Delay(after, cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            if (Stopwatch.GetElapsedTime(started) > GiveUpAfter)
            {
                arrival.Ended("order_gave_up", null);
                return;
            }

            var answer = await SendAsync("order", arrival, HttpMethod.Post, "api/orders", new ByteArrayContent(OrderBody) { Headers = { ContentType = Json } }, cancellationToken);
            if (answer.Status == (int)HttpStatusCode.Accepted && OrderBench.OrderId(answer.Body) is { } orderId)
            {
                arrival.Answered(orderId);
                return;
            }

            if (answer.Status is null or (int)HttpStatusCode.TooManyRequests or >= 500
                || (answer.Status == (int)HttpStatusCode.Conflict && answer.RetryAfter is not null))
            {
                await Task.Delay(answer.RetryAfter ?? Backoff(attempt), cancellationToken);
                continue;
            }

            Report($"order {answer.Status}", answer.Body);
            arrival.Ended($"order_refused_{answer.Status}", answer.Body);
            return;
        }
    }

    private async Task<string> CancelAsync(ChaosArrival arrival, Guid orderId, long started, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (Stopwatch.GetElapsedTime(started) > GiveUpAfter)
            {
                return "gave_up";
            }

            var answer = await SendAsync("cancel", arrival, HttpMethod.Post, $"api/orders/{orderId}/cancel", null, cancellationToken);
            switch (answer.Status)
            {
                case (int)HttpStatusCode.Accepted:
                    return "accepted";
                case (int)HttpStatusCode.Conflict when answer.RetryAfter is null:
                    return "already_failed";
                case null or (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.Conflict or >= 500:
                    await Task.Delay(answer.RetryAfter ?? Backoff(attempt), cancellationToken);
                    break;
                default:
                    Report($"cancel {answer.Status}", answer.Body);
                    return $"refused_{answer.Status}";
            }
        }
    }

    private sealed record Answer(int? Status, string? Body, TimeSpan? RetryAfter);

    private async Task<Answer> SendAsync(string call, ChaosArrival arrival, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = await identity.TokenAsync(arrival.Buyer.Email, BenchIdentity.BuyerPassword, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Count($"{call} token_{ex.GetType().Name}");
            content?.Dispose();
            return new Answer(null, ex.Message, null);
        }

        using var request = BenchIdentity.Authorized(method, path, token, content);
        if (call == "order")
        {
            request.Headers.Add("Idempotency-Key", arrival.Key);
        }

        try
        {
            using var response = await gateway.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var replayed = response.Headers.Contains("Idempotent-Replayed") ? " replayed" : "";
            Count($"{call} {(int)response.StatusCode}{replayed}");
            var retryAfter = response.Headers.RetryAfter?.Delta;
            return new Answer((int)response.StatusCode, body, retryAfter);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Count($"{call} timeout");
            return new Answer(null, ex.Message, null);
        }
        catch (HttpRequestException ex)
        {
            Count($"{call} {ex.HttpRequestError}");
            return new Answer(null, ex.Message, null);
        }
    }

    /// <summary>Full jitter over an exponential ceiling (250 ms doubling up to <see cref="MaxBackoff"/>).</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(100 + (Random.Shared.NextDouble() * Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(attempt, 10)))));

    private static string? Title(string? body)
    {
        try
        {
            return body is null ? null : JsonNode.Parse(body)?["title"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool HasLine(string? body, (Guid SkuId, Guid SellerId) line)
    {
        try
        {
            var lines = body is null ? null : JsonNode.Parse(body)?["lines"]?.AsArray();
            return lines?.Any(l => l?["skuId"]?.GetValue<Guid>() == line.SkuId && l?["sellerId"]?.GetValue<Guid>() == line.SellerId) == true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private void Count(string kind) => _attempts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    /// <summary>The first answer of each kind on the console: one sample explains a refusal.</summary>
    private void Report(string kind, string? detail)
    {
        if (_reported.TryAdd(kind, 0))
        {
            var text = detail is { Length: > 400 } ? detail[..400] + "…" : detail;
            Console.Error.WriteLine($"[chaos] first {kind}: {text}");
        }
    }
}
