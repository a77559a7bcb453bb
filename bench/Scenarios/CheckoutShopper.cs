using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AspireShop.Bench.Scenarios;

/// <summary>An Idempotency-Key as sent: its buyer, every 202 body and order id any submission with it got back.</summary>
public sealed class CheckoutKey(CheckoutBuyer buyer, string key)
{
    public const int InFlight = 0;
    public const int NoAnswer = -1;

    private readonly Lock _lock = new();
    private readonly HashSet<Guid> _orderIds = [];
    private readonly HashSet<string> _bodies = new(StringComparer.Ordinal);
    private int _firstStatus = InFlight;

    public CheckoutBuyer Buyer => buyer;

    public string Key => key;

    /// <summary>The first submission's HTTP status, <see cref="InFlight"/> until it is answered, <see cref="NoAnswer"/> if never.</summary>
    public int FirstStatus
    {
        get => Volatile.Read(ref _firstStatus);
        set => Volatile.Write(ref _firstStatus, value);
    }

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

    public int Bodies
    {
        get
        {
            lock (_lock)
            {
                return _bodies.Count;
            }
        }
    }

    public void Answered(string body, Guid orderId)
    {
        lock (_lock)
        {
            _orderIds.Add(orderId);
            _bodies.Add(body);
        }
    }
}

/// <summary>What a buyer does: one unit into the cart, then the order; or an earlier order's request sent again.</summary>
public sealed class CheckoutShopper(HttpClient gateway, BenchIdentity identity, CheckoutOrders orders, IReadOnlyList<(Guid SkuId, Guid SellerId)> offers)
{
    private const int RecentKeys = 64;
    private const int BodilessSamples = 20;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly byte[] OrderBody = JsonSerializer.SerializeToUtf8Bytes(new
    {
        shippingAddress = new { name = "Bench Buyer", line1 = "1 Main Street", city = "Springfield", postalCode = "12345", country = "US" },
        paymentMethod = OrderBench.Card,
    });

    private readonly ConcurrentDictionary<string, CheckoutKey> _keys = new();
    private readonly CheckoutKey?[] _recent = new CheckoutKey?[RecentKeys];
    private readonly ConcurrentDictionary<string, byte> _reported = new();
    private readonly ConcurrentQueue<Bodiless> _bodiless = new();
    private long _recentNext;
    private long _offerNext;
    private long _uncleanCarts;

    public ICollection<CheckoutKey> Keys => _keys.Values;

    /// <summary>Adds that found another line already in the cart (the order then carries more than its own unit).</summary>
    public long UncleanCarts => Interlocked.Read(ref _uncleanCarts);

    /// <summary>
    /// A new order: a free buyer, one unit into its cart (not timed), then the POST (timed) at <paramref name="due"/>
    /// (open loop) or at once (closed loop). Open-loop arrivals are measured by their schedule, closed-loop ones by send time.
    /// </summary>
    public async Task OrderAsync(CheckoutPhase phase, long? due, CancellationToken acquireCancellation, CancellationToken cancellationToken)
    {
        if (!orders.TryAcquire(out var buyer))
        {
            phase.Waited("for_a_free_buyer");
            buyer = await orders.AcquireAsync(acquireCancellation);
        }

        var token = await identity.TokenAsync(buyer.Email, BenchIdentity.BuyerPassword, cancellationToken);
        var line = offers[(int)(Interlocked.Increment(ref _offerNext) % offers.Count)];
        var cartFailure = await AddToCartAsync(token, line, cancellationToken);
        if (cartFailure is not null)
        {
            phase.Failed(phase.Window.Contains(Stopwatch.GetTimestamp()), cartFailure, counted: false);
            orders.ReleaseWithoutOrder(buyer, line);
            return;
        }

        if (due is { } scheduled)
        {
            await CheckoutPhase.DelayUntilAsync(scheduled, cancellationToken);
        }

        // Measured by when it is sent, as a closed loop counts completions: a slipping schedule shows as a lower rate.
        var sending = Stopwatch.GetTimestamp();
        var measured = phase.Window.Contains(sending);
        if (measured && due is { } planned)
        {
            phase.Late(Math.Max(0, sending - planned));
        }

        var record = new CheckoutKey(buyer, Guid.NewGuid().ToString());
        _keys[record.Key] = record;
        buyer.CountKey();
        Volatile.Write(ref _recent[(Interlocked.Increment(ref _recentNext) - 1) % RecentKeys], record);
        phase.Placing(measured);

        var answer = await PostAsync(token, record.Key, phase, "first", cancellationToken);
        var first = answer;
        // 409 with Retry-After: this key's resend (sent while this POST was under way) reached the claim first and
        // places the order. Asked again as a client told to retry does, so the order is followed; its time is not a
        // placement's, so it is left out of the latencies (counted as overtaken).
        for (var retry = 0; answer is { Status: (int)HttpStatusCode.Conflict, RetryAfter: { } wait } && retry < 10; retry++)
        {
            await Task.Delay(wait, cancellationToken);
            answer = await PostAsync(token, record.Key, phase, "retry_after_409", cancellationToken);
        }

        record.FirstStatus = answer.Status ?? CheckoutKey.NoAnswer;
        if (answer.Status == (int)HttpStatusCode.Accepted && OrderBench.OrderId(answer.Body) is { } orderId)
        {
            record.Answered(answer.Body!, orderId);
            var order = new CheckoutOrder(orderId, buyer, line, measured) { SentAt = first.SentAt, AnsweredAt = answer.AnsweredAt };
            phase.Orders.Enqueue(order);
            orders.Track(order);
            if (ReferenceEquals(answer, first))
            {
                phase.Accepted(measured, answer.Ticks);
            }
            else
            {
                phase.Accepted(measured, null);
                phase.Overtaken();
            }

            return;
        }

        var kind = answer.Failure ?? $"order_{answer.Status}";
        Report(kind, answer.Body);
        phase.Failed(measured, kind, counted: true);
        if (answer.Status is >= 400 and < 500)
        {
            // Refused: nothing was ordered, the line is still in the cart.
            orders.ReleaseWithoutOrder(buyer, line);
        }
        else
        {
            // No answer, or a 5xx: an order may exist and be in flight, so its buyer is not used again.
            orders.Retire(kind);
        }
    }

    /// <summary>
    /// An earlier order's request again (same buyer, key and body), picked among the last <see cref="RecentKeys"/>
    /// whose first answer was a 202 or has not come yet: a replayed 202, or 409 while the first is still running.
    /// </summary>
    public async Task ResendAsync(CheckoutPhase phase, long? due, CancellationToken cancellationToken)
    {
        if (due is { } scheduled)
        {
            await CheckoutPhase.DelayUntilAsync(scheduled, cancellationToken);
        }

        var record = PickRecent();
        if (record is null)
        {
            phase.Resent("skipped_nothing_to_resend", null);
            return;
        }

        var token = await identity.TokenAsync(record.Buyer.Email, BenchIdentity.BuyerPassword, cancellationToken);
        var measured = phase.Window.Contains(Stopwatch.GetTimestamp());
        var answer = await PostAsync(token, record.Key, phase, "resend", cancellationToken);
        if (answer.Status == (int)HttpStatusCode.Accepted && OrderBench.OrderId(answer.Body) is { } orderId)
        {
            record.Answered(answer.Body!, orderId);
            // Not marked replayed: the resend reached the claim before the first POST and placed the order itself.
            phase.Resent(answer.Replayed ? "replayed_202" : "created_202_ahead_of_the_first_post", measured ? answer.Ticks : null);
            return;
        }

        var outcome = answer.Status switch
        {
            (int)HttpStatusCode.Conflict => "in_flight_409",
            { } status => $"http_{status}",
            null => answer.Failure!,
        };
        Report($"resend {outcome}", answer.Body);
        phase.Resent(outcome, null);
    }

    private CheckoutKey? PickRecent()
    {
        var filled = (int)Math.Min(Interlocked.Read(ref _recentNext), RecentKeys);
        for (var attempt = 0; filled > 0 && attempt < 8; attempt++)
        {
            var candidate = Volatile.Read(ref _recent[Random.Shared.Next(filled)]);
            if (candidate?.FirstStatus is CheckoutKey.InFlight or (int)HttpStatusCode.Accepted)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <returns>Null when the line is in the cart; otherwise why not.</returns>
    private async Task<string?> AddToCartAsync(string token, (Guid SkuId, Guid SellerId) line, CancellationToken cancellationToken)
    {
        using var request = BenchIdentity.Authorized(
            HttpMethod.Post, "api/cart/items", token, JsonContent.Create(new { skuId = line.SkuId, sellerId = line.SellerId, quantity = 1 }));
        try
        {
            using var response = await gateway.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var kind = $"cart_add_{(int)response.StatusCode}";
                Report(kind, await response.Content.ReadAsStringAsync(cancellationToken));
                return kind;
            }

            // A new line (201) alone in the cart is the clean case; anything else carries an earlier order's line.
            var cart = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created || cart?["lines"]?.AsArray().Count != 1)
            {
                Interlocked.Increment(ref _uncleanCarts);
            }

            return null;
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Report("cart_add_timeout", ex.Message);
            return "cart_add_timeout";
        }
        catch (HttpRequestException ex)
        {
            Report("cart_add_" + ex.HttpRequestError, ex.Message);
            return $"cart_add_{ex.HttpRequestError}";
        }
    }

    /// <summary>4xx answers to POST api/orders that came without a body (a refusal should say why): how many, of which send, when.</summary>
    public JsonObject BodilessRefusalsJson()
    {
        var all = _bodiless.OrderBy(b => b.At).ToList();
        return new JsonObject
        {
            ["count"] = all.Count,
            ["by_status_and_send"] = OrderBench.CountBy(all, b => $"{b.Status} {b.Send}"),
            ["by_phase"] = OrderBench.CountBy(all, b => b.Phase),
            ["first_at"] = all.Count == 0 ? null : all[0].At.ToString("O", CultureInfo.InvariantCulture),
            ["last_at"] = all.Count == 0 ? null : all[^1].At.ToString("O", CultureInfo.InvariantCulture),
            ["samples"] = new JsonArray([.. all.Take(BodilessSamples).Select(b => (JsonNode)b.ToString())]),
        };
    }

    /// <summary>POST api/orders, timed from send to the last byte of the answer; <c>send</c> (first, retry_after_409, resend) is for the bodiless-refusal tally.</summary>
    private async Task<Answer> PostAsync(string token, string key, CheckoutPhase phase, string send, CancellationToken cancellationToken)
    {
        using var request = BenchIdentity.Authorized(HttpMethod.Post, "api/orders", token, new ByteArrayContent(OrderBody) { Headers = { ContentType = Json } });
        request.Headers.Add("Idempotency-Key", key);
        var sentAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await gateway.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var ticks = Stopwatch.GetTimestamp() - started;
            if ((int)response.StatusCode is >= 400 and < 500 && body.Length == 0)
            {
                _bodiless.Enqueue(new Bodiless(
                    DateTimeOffset.UtcNow,
                    phase.Name,
                    Stopwatch.GetElapsedTime(phase.Window.Started).TotalSeconds,
                    (int)response.StatusCode,
                    send,
                    string.Join(' ', response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(',', h.Value)};"))));
            }

            return new Answer((int)response.StatusCode, body, ticks, sentAt, DateTimeOffset.UtcNow, response.Headers.Contains("Idempotent-Replayed"), null)
            {
                RetryAfter = response.Headers.RetryAfter?.Delta,
            };
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(null, ex.Message, Stopwatch.GetTimestamp() - started, sentAt, DateTimeOffset.UtcNow, false, "order_timeout");
        }
        catch (HttpRequestException ex)
        {
            return new Answer(null, ex.Message, Stopwatch.GetTimestamp() - started, sentAt, DateTimeOffset.UtcNow, false, $"order_{ex.HttpRequestError}");
        }
    }

    private sealed record Answer(int? Status, string? Body, long Ticks, DateTimeOffset SentAt, DateTimeOffset AnsweredAt, bool Replayed, string? Failure)
    {
        public TimeSpan? RetryAfter { get; init; }
    }

    private sealed record Bodiless(DateTimeOffset At, string Phase, double PhaseS, int Status, string Send, string Headers)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{At:HH:mm:ss.fff}Z {Phase} +{PhaseS:0.0}s {Status} {Send} [{Headers}]");
    }

    /// <summary>The first answer of each kind on the console: one sample explains a failure; thousands would bury the progress.</summary>
    private void Report(string kind, string? detail)
    {
        if (_reported.TryAdd(kind, 0))
        {
            var text = detail is { Length: > 400 } ? detail[..400] + "…" : detail;
            Console.Error.WriteLine($"[checkout] first {kind}: {text}");
        }
    }
}
