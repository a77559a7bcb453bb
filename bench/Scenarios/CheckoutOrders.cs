using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Npgsql;

namespace AspireShop.Bench.Scenarios;

/// <summary>A buyer the checkout bench registered before the load; its orders are scoped to <see cref="Id"/> (the token's sub).</summary>
public sealed class CheckoutBuyer(string email, Guid id)
{
    private int _keys;

    public string Email { get; } = email;

    public Guid Id { get; } = id;

    /// <summary>Idempotency-Keys this buyer sent a first time: at most that many orders may exist for it.</summary>
    public int Keys => Volatile.Read(ref _keys);

    public void CountKey() => Interlocked.Increment(ref _keys);
}

/// <summary>One order the bench got a 202 for, followed until it is at rest, with the server's own timeline.</summary>
public sealed class CheckoutOrder(Guid id, CheckoutBuyer buyer, (Guid SkuId, Guid SellerId) line, bool measured)
{
    public const string Pending = "PENDING";
    public const string Confirmed = "CONFIRMED";

    private volatile string _status = Pending;

    public Guid Id { get; } = id;

    public CheckoutBuyer Buyer { get; } = buyer;

    /// <summary>The one cart line added for this order.</summary>
    public (Guid SkuId, Guid SellerId) Line { get; } = line;

    /// <summary>Sent inside its phase's measured window (after the warm-up).</summary>
    public bool Measured { get; } = measured;

    /// <summary>Bench wall clock around the POST that created it: with <see cref="PlacedAt"/>, the server clock's offset.</summary>
    public DateTimeOffset SentAt { get; init; }

    public DateTimeOffset AnsweredAt { get; init; }

    public string Status => _status;

    public string? FailureReason { get; private set; }

    /// <summary>The first time of each timeline step (server clock): placed, stock_reserved, payment_succeeded, stock_committed, confirmed…</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Steps { get; private set; } = new Dictionary<string, DateTimeOffset>();

    /// <summary>Saga steps re-sent after their deadline passed (timeline entries "resent").</summary>
    public int Resent { get; private set; }

    public DateTimeOffset? PlacedAt => At("placed");

    public DateTimeOffset? ConfirmedAt => At("confirmed");

    public bool AtRest => _status != Pending;

    public TimeSpan? PendingToConfirmed => ConfirmedAt - PlacedAt;

    public DateTimeOffset? At(string step) => Steps.TryGetValue(step, out var at) ? at : null;

    public void Settle(string status, string? failureReason, IEnumerable<(string Step, DateTimeOffset At)> timeline)
    {
        var steps = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var resent = 0;
        foreach (var (step, at) in timeline)
        {
            steps.TryAdd(step, at);
            resent += step == "resent" ? 1 : 0;
        }

        (FailureReason, Steps, Resent) = (failureReason, steps, resent);
        // Written last: a reader that sees the order at rest sees its timeline too.
        _status = status;
    }
}

/// <summary>
/// The checkout bench's book of orders and buyers. Orders are followed until they are at rest (CONFIRMED or FAILED):
/// self-hosted by one query of Ordering's database per tick for every pending order (cheap, so the follow-up does not
/// load the gateway and Ordering it is measuring), with --target by GET api/orders/{id} per pending order. A buyer goes
/// back to the pool only once its cart is empty again (Cart forgets a confirmed order's line when the OrderConfirmed
/// event reaches it; a failed order's line is removed here), so every order is exactly the one line added for it.
/// </summary>
public sealed class CheckoutOrders : IAsyncDisposable
{
    private static readonly TimeSpan DatabasePollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ApiPollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan CartPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan CartEmptyTimeout = TimeSpan.FromSeconds(20);
    private const int ApiPollParallelism = 8;

    private readonly HttpClient _gateway;
    private readonly BenchIdentity _identity;
    private readonly NpgsqlDataSource? _orderingDb;
    private readonly Channel<CheckoutBuyer> _free = Channel.CreateUnbounded<CheckoutBuyer>();
    private readonly ConcurrentDictionary<Guid, CheckoutOrder> _orders = new();
    private readonly ConcurrentDictionary<Guid, CheckoutOrder> _pending = new();
    private readonly ConcurrentQueue<Task> _releases = new();
    private readonly ConcurrentDictionary<string, long> _problems = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _follow;
    private long _cartPolls;
    private int _circulating;
    private int _circulationLimit = int.MaxValue;

    /// <param name="gateway">The gateway every buyer call goes through.</param>
    /// <param name="identity">Buyer tokens (cached).</param>
    /// <param name="orderingDb">Ordering's database when self-hosted; null with --target.</param>
    /// <param name="buyers">The pool, all free at the start.</param>
    public CheckoutOrders(HttpClient gateway, BenchIdentity identity, NpgsqlDataSource? orderingDb, IEnumerable<CheckoutBuyer> buyers)
    {
        (_gateway, _identity, _orderingDb) = (gateway, identity, orderingDb);
        foreach (var buyer in buyers)
        {
            _free.Writer.TryWrite(buyer);
            _circulating++;
        }

        _follow = Task.Run(FollowAsync);
    }

    public IEnumerable<CheckoutOrder> All => _orders.Values;

    public int PendingCount => _pending.Count;

    public int FreeBuyers => _free.Reader.Count;

    /// <summary>GET api/cart calls made to see a cart emptied before its buyer was reused.</summary>
    public long CartPolls => Interlocked.Read(ref _cartPolls);

    /// <summary>What went wrong outside the measured requests (follow-up queries, cart clean-up, retired buyers), by kind.</summary>
    public IReadOnlyDictionary<string, long> Problems => _problems;

    public bool Contains(Guid orderId) => _orders.ContainsKey(orderId);

    public bool TryAcquire(out CheckoutBuyer buyer) => _free.Reader.TryRead(out buyer!);

    public ValueTask<CheckoutBuyer> AcquireAsync(CancellationToken cancellationToken) => _free.Reader.ReadAsync(cancellationToken);

    /// <summary>Follows the order to rest, then gives its buyer back once the cart is empty.</summary>
    public void Track(CheckoutOrder order)
    {
        if (_orders.TryAdd(order.Id, order))
        {
            _pending[order.Id] = order;
        }
    }

    /// <summary>Nothing was ordered with the line (the add or the POST was refused): remove it, then reuse the buyer.</summary>
    public void ReleaseWithoutOrder(CheckoutBuyer buyer, (Guid SkuId, Guid SellerId) line) => StartRelease(buyer, line, removeLine: true);

    /// <summary>The outcome is unknown (no answer): the buyer may have an order in flight, so it is never used again.</summary>
    public void Retire(string reason)
    {
        Interlocked.Decrement(ref _circulating);
        Count($"buyer_retired_{reason}");
    }

    /// <summary>
    /// At most <paramref name="limit"/> buyers from now on (the rest are parked as they come free): a closed loop's orders
    /// in flight are bounded by its buyers, and a deeper queue would only add waiting, not throughput.
    /// </summary>
    public void LimitCirculation(int limit)
    {
        Volatile.Write(ref _circulationLimit, limit);
        while (_free.Reader.TryRead(out var buyer))
        {
            if (!TryPark())
            {
                _free.Writer.TryWrite(buyer);
                return;
            }
        }
    }

    /// <summary>Waits until every one of <paramref name="orders"/> is at rest; returns how many are not when the time is up.</summary>
    public static async Task<int> WaitForRestAsync(IReadOnlyCollection<CheckoutOrder> orders, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var notAtRest = orders.Count(order => !order.AtRest);
            if (notAtRest == 0 || deadline.Elapsed > timeout)
            {
                return notAtRest;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _follow;
        while (_releases.TryDequeue(out var release))
        {
            await release;
        }

        _stop.Dispose();
    }

    private async Task FollowAsync()
    {
        using var timer = new PeriodicTimer(_orderingDb is null ? ApiPollInterval : DatabasePollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (_pending.IsEmpty)
                {
                    continue;
                }

                try
                {
                    if (_orderingDb is { } database)
                    {
                        await PollDatabaseAsync(database, _stop.Token);
                    }
                    else
                    {
                        await PollApiAsync(_stop.Token);
                    }
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested)
                {
                    // A failed round is tried again on the next tick; the kind is reported with the results.
                    Count($"follow_{ex.GetType().Name}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Every pending order that is at rest now, with its timeline's "placed" and "confirmed" times, in one query.</summary>
    private async Task PollDatabaseAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            """
            SELECT o.id, o.status, o.failure_reason, array_agg(t.step ORDER BY t.id), array_agg(t.at ORDER BY t.id)
            FROM orders o JOIN order_timeline t ON t.order_id = o.id
            WHERE o.id = ANY($1) AND o.status <> 'PENDING'
            GROUP BY o.id, o.status, o.failure_reason
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = _pending.Keys.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (_pending.TryGetValue(reader.GetGuid(0), out var order))
            {
                var steps = reader.GetFieldValue<string[]>(3);
                var times = reader.GetFieldValue<DateTime[]>(4);
                Settle(
                    order,
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    steps.Zip(times, (step, at) => (step, new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)))));
            }
        }
    }

    /// <summary>--target: the buyer's own view of each pending order (status and timeline), a few at a time.</summary>
    private async Task PollApiAsync(CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(
            _pending.Values.ToList(),
            new ParallelOptions { MaxDegreeOfParallelism = ApiPollParallelism, CancellationToken = cancellationToken },
            async (order, ct) =>
            {
                var token = await _identity.TokenAsync(order.Buyer.Email, BenchIdentity.BuyerPassword, ct);
                using var request = BenchIdentity.Authorized(HttpMethod.Get, $"api/orders/{order.Id}", token);
                using var response = await _gateway.SendAsync(request, ct);
                if (!response.IsSuccessStatusCode)
                {
                    Count($"follow_http_{(int)response.StatusCode}");
                    return;
                }

                var view = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
                var status = view?["status"]?.GetValue<string>();
                if (status is null or CheckoutOrder.Pending)
                {
                    return;
                }

                var timeline = (view!["timeline"]?.AsArray() ?? [])
                    .Select(entry => (entry!["step"]!.GetValue<string>(), entry["at"]!.GetValue<DateTimeOffset>()))
                    .ToList();
                Settle(order, status, view["failureReason"]?.GetValue<string>(), timeline);
            });
    }

    private void Settle(CheckoutOrder order, string status, string? failureReason, IEnumerable<(string Step, DateTimeOffset At)> timeline)
    {
        order.Settle(status, failureReason, timeline);
        if (_pending.TryRemove(order.Id, out _))
        {
            // A failed order leaves its line in the cart (the buyer may try again): removed here before reuse.
            StartRelease(order.Buyer, order.Line, removeLine: order.Status != CheckoutOrder.Confirmed);
        }
    }

    private void StartRelease(CheckoutBuyer buyer, (Guid SkuId, Guid SellerId) line, bool removeLine) =>
        _releases.Enqueue(Task.Run(() => ReleaseAsync(buyer, line, removeLine)));

    /// <summary>Back to the pool once the cart is empty; a cart that stays non-empty retires the buyer (reported).</summary>
    private async Task ReleaseAsync(CheckoutBuyer buyer, (Guid SkuId, Guid SellerId) line, bool removeLine)
    {
        try
        {
            var token = await _identity.TokenAsync(buyer.Email, BenchIdentity.BuyerPassword, _stop.Token);
            if (removeLine)
            {
                using var remove = BenchIdentity.Authorized(HttpMethod.Delete, $"api/cart/items/{line.SkuId}/{line.SellerId}", token);
                using var removed = await _gateway.SendAsync(remove, _stop.Token);
                if (!removed.IsSuccessStatusCode && removed.StatusCode != HttpStatusCode.NotFound)
                {
                    Retire($"cart_remove_{(int)removed.StatusCode}");
                    return;
                }
            }

            var waited = Stopwatch.StartNew();
            while (true)
            {
                await Task.Delay(CartPollInterval, _stop.Token);
                Interlocked.Increment(ref _cartPolls);
                using var request = BenchIdentity.Authorized(HttpMethod.Get, "api/cart", token);
                using var response = await _gateway.SendAsync(request, _stop.Token);
                var cart = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(_stop.Token) : null;
                if (cart?["lines"]?.AsArray().Count == 0)
                {
                    if (!TryPark())
                    {
                        _free.Writer.TryWrite(buyer);
                    }

                    return;
                }

                if (waited.Elapsed > CartEmptyTimeout)
                {
                    Retire("cart_not_emptied_in_20s");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Retire(ex.GetType().Name);
        }
    }

    /// <summary>Takes one buyer out of circulation if more than the limit are in it.</summary>
    private bool TryPark()
    {
        while (true)
        {
            var circulating = Volatile.Read(ref _circulating);
            if (circulating <= Volatile.Read(ref _circulationLimit))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _circulating, circulating - 1, circulating) == circulating)
            {
                return true;
            }
        }
    }

    private void Count(string kind) => _problems.AddOrUpdate(kind, 1, (_, n) => n + 1);
}
