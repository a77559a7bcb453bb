using AspireShop.Inventory.API.Data.Schema;
using StackExchange.Redis;

namespace AspireShop.Inventory.API.Services;

/// <summary>What Redis' counter says about a sale.</summary>
public sealed record FlashCounterState(string State, int Remaining, int Confirmed);

/// <summary>
/// The hot row of a flash sale, kept in Redis: each reservation is one atomic Lua script that decrements the sale's
/// counter only if enough remains and, in the same step, records the hold (a hash), its expiry (a sorted set) and a
/// write-back entry (a stream that <see cref="FlashSaleWriteBack"/> applies to Postgres in batches, acknowledging only
/// after commit). Releases, expiries and confirms are scripts too, so the counter, the records and the stream never
/// disagree. Postgres accounting: opening the sale moved its quantity from available into reserved (the allocation);
/// at close the allocation minus confirmed units minus still-active flash holds goes back to ordinary stock.
/// </summary>
/// <remarks>
/// If Redis is lost mid-sale, the counter, the records not yet written back and the pending stream are gone. The sale's
/// units are still reserved in Postgres, so no other path can sell them: reservations for the offer fall back to the
/// Postgres path, which only sees ordinary stock, and buyers whose holds were never written back find them missing at
/// confirm (404/409). Closing the sale (by hand or when it ends) then reconciles from Postgres alone: confirmed units
/// stay sold, flash holds that reached Postgres stay reserved until they are confirmed or expire, and everything else
/// returns to ordinary stock. The sale may therefore under-sell (holds Redis granted but lost, units idle until close);
/// it never over-sells, because every sale still needs a Postgres row whose guarded UPDATE keeps on_hand ≥ reserved ≥ 0.
/// </remarks>
public sealed partial class FlashSaleCounter(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider clock, ILogger<FlashSaleCounter> logger)
{
    // KEYS: sale, offer, active-sales set. ARGV: sale id, quantity, starts ms, ends ms, sku, seller.
    private const string OpenScript = """
        redis.call('HSET', KEYS[1], 'state', 'active', 'remaining', ARGV[2], 'confirmed', 0, 'quantity', ARGV[2],
            'starts', ARGV[3], 'ends', ARGV[4], 'sku', ARGV[5], 'seller', ARGV[6])
        redis.call('SET', KEYS[2], ARGV[1])
        redis.call('SADD', KEYS[3], ARGV[1])
        return 1
        """;

    // KEYS: offer, record, stream. ARGV: prefix, id, quantity, holder, ttl ms, now ms, sku, seller, idempotency key.
    private const string ReserveScript = """
        local saleId = redis.call('GET', KEYS[1])
        if not saleId then return {'none'} end
        local sale = ARGV[1] .. 'flash:sale:' .. saleId
        local s = redis.call('HMGET', sale, 'state', 'starts', 'ends', 'remaining')
        local now = tonumber(ARGV[6])
        if s[1] ~= 'active' or now < tonumber(s[2]) or now >= tonumber(s[3]) then return {'none'} end
        local idem = ''
        if ARGV[9] ~= '' then
          idem = sale .. ':idem:' .. ARGV[4] .. ':' .. ARGV[9]
          local existing = redis.call('GET', idem)
          if existing then return {'existing', existing} end
        end
        local q = tonumber(ARGV[3])
        local remaining = tonumber(s[4])
        if remaining < q then return {'sold_out', tostring(remaining)} end
        redis.call('HINCRBY', sale, 'remaining', -q)
        local exp = now + tonumber(ARGV[5])
        redis.call('HSET', KEYS[2], 'sale', saleId, 'sku', ARGV[7], 'seller', ARGV[8], 'holder', ARGV[4], 'q', ARGV[3],
            'exp', exp, 'created', now, 'status', 'active')
        redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]) + 86400000)
        redis.call('ZADD', sale .. ':expiry', exp, ARGV[2])
        if idem ~= '' then redis.call('SET', idem, ARGV[2], 'PX', tonumber(ARGV[5]) + 86400000) end
        redis.call('XADD', KEYS[3], '*', 'op', 'reserve', 'id', ARGV[2], 'sale', saleId, 'sku', ARGV[7], 'seller', ARGV[8],
            'holder', ARGV[4], 'q', ARGV[3], 'exp', exp, 'created', now)
        return {'ok', tostring(remaining - q), tostring(exp), tostring(now), saleId}
        """;

    // KEYS: offer. ARGV: prefix, holder, idempotency key, fence id, ttl ms. The hold the key made, else the key is
    // taken by a fence id with no record, so a reserve still in flight with it finds "existing" and holds nothing.
    private const string FenceScript = """
        local saleId = redis.call('GET', KEYS[1])
        if not saleId then return 'none' end
        local idem = ARGV[1] .. 'flash:sale:' .. saleId .. ':idem:' .. ARGV[2] .. ':' .. ARGV[3]
        local existing = redis.call('GET', idem)
        if existing then return existing end
        redis.call('SET', idem, ARGV[4], 'PX', tonumber(ARGV[5]))
        return 'fenced'
        """;

    // Shared by release, confirm and expiry: ends an active hold of an open sale and queues the write-back.
    private const string EndHoldFunction = """
        local function endHold(prefix, stream, id, status)
          local rec = prefix .. 'flash:res:' .. id
          local r = redis.call('HMGET', rec, 'status', 'sale', 'q', 'exp', 'sku', 'seller', 'holder', 'created')
          if not r[1] then return 'none' end
          local sale = prefix .. 'flash:sale:' .. r[2]
          if redis.call('HGET', sale, 'state') ~= 'active' then return 'none' end
          if r[1] ~= 'active' then return r[1] end
          redis.call('HSET', rec, 'status', status)
          redis.call('ZREM', sale .. ':expiry', id)
          if status == 'confirmed' then
            redis.call('HINCRBY', sale, 'confirmed', tonumber(r[3]))
          else
            redis.call('HINCRBY', sale, 'remaining', tonumber(r[3]))
          end
          redis.call('XADD', stream, '*', 'op', status, 'id', id, 'sale', r[2], 'sku', r[5], 'seller', r[6], 'holder', r[7],
              'q', r[3], 'exp', r[4], 'created', r[8])
          return 'ok'
        end
        """;

    // KEYS: record, stream. ARGV: prefix, id, status (released | confirmed), now ms.
    private const string EndScript = EndHoldFunction + "\n" + """
        local exp = redis.call('HGET', KEYS[1], 'exp')
        if ARGV[3] == 'confirmed' and exp and tonumber(exp) <= tonumber(ARGV[4]) then
          local expired = endHold(ARGV[1], KEYS[2], ARGV[2], 'expired')
          if expired == 'ok' then return 'expired' end
          return expired
        end
        return endHold(ARGV[1], KEYS[2], ARGV[2], ARGV[3])
        """;

    // KEYS: sale, stream. ARGV: prefix, now ms, limit.
    private const string ExpireDueScript = EndHoldFunction + "\n" + """
        if redis.call('HGET', KEYS[1], 'state') ~= 'active' then return 0 end
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1] .. ':expiry', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
        for _, id in ipairs(ids) do
          endHold(ARGV[1], KEYS[2], id, 'expired')
          redis.call('ZREM', KEYS[1] .. ':expiry', id)
        end
        return #ids
        """;

    // KEYS: sale, offer, active-sales set. ARGV: sale id. After this no script touches the sale: Postgres owns it.
    private const string CloseScript = """
        local s = redis.call('HMGET', KEYS[1], 'state', 'remaining', 'confirmed')
        if not s[1] then return {'none'} end
        redis.call('HSET', KEYS[1], 'state', 'closed')
        if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
        redis.call('SREM', KEYS[3], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], 86400000)
        redis.call('PEXPIRE', KEYS[1] .. ':expiry', 86400000)
        return {'closed', s[2], s[3]}
        """;

    public async Task OpenAsync(Guid saleId, Guid skuId, Guid sellerId, int quantity, DateTimeOffset startsAt, DateTimeOffset endsAt) =>
        await redis.GetDatabase().ScriptEvaluateAsync(
            OpenScript,
            [keys.FlashSale(saleId), keys.FlashOffer(skuId, sellerId), keys.FlashActiveSales],
            [saleId.ToString(), quantity, startsAt.ToUnixTimeMilliseconds(), endsAt.ToUnixTimeMilliseconds(), skuId.ToString(), sellerId.ToString()]);

    /// <summary>
    /// Decides a reservation in Redis when the offer has an open sale; null when it has none (or Redis failed), so the
    /// caller uses the Postgres path, which cannot touch the sale's allocation.
    /// </summary>
    public async Task<ReserveOutcome?> TryReserveAsync(
        Guid skuId, Guid sellerId, int quantity, TimeSpan ttl, Guid holderId, string? idempotencyKey)
    {
        var id = Guid.CreateVersion7();
        RedisResult[] result;
        // Not sent (Redis down, fail-fast): the Postgres path is safe. A timeout is ambiguous (the script may have run),
        // so it propagates and the caller answers 503 rather than holding twice.
        try
        {
            result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
                ReserveScript,
                [keys.FlashOffer(skuId, sellerId), keys.FlashRecord(id), keys.WriteBackStream],
                [
                    keys.Prefix, id.ToString(), quantity, holderId.ToString(), (long)ttl.TotalMilliseconds,
                    clock.GetUtcNow().ToUnixTimeMilliseconds(), skuId.ToString(), sellerId.ToString(), idempotencyKey ?? "",
                ]))!;
        }
        catch (RedisConnectionException ex)
        {
            LogRedisFailed("reserve", ex.Message);
            return null;
        }

        switch (result[0].ToString())
        {
            case "ok":
                var (expires, created) = ((long)result[2], (long)result[3]);
                return new ReserveOutcome.Created(
                    new ReservationRecord(
                        id, skuId, sellerId, holderId, quantity, ReservationStatus.Active, DateTimeOffset.FromUnixTimeMilliseconds(expires),
                        (int)((expires - created) / 1000), Guid.Parse(result[4].ToString())),
                    Replayed: false);
            case "sold_out":
                return new ReserveOutcome.OutOfStock((int)result[1]);
            case "existing":
                var existingId = Guid.Parse(result[1].ToString());
                return await TryFindAsync(existingId) is { } existing ? new ReserveOutcome.Created(existing, Replayed: true) : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// For an offer with an open sale: the id of the hold <paramref name="idempotencyKey"/> made, or null after taking
    /// the key so no reserve can use it any more. Null too when the offer has no open sale (Postgres decides then).
    /// </summary>
    public async Task<Guid?> FenceAsync(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey)
    {
        var result = (await redis.GetDatabase().ScriptEvaluateAsync(
            FenceScript,
            [keys.FlashOffer(skuId, sellerId)],
            [keys.Prefix, holderId.ToString(), idempotencyKey, Guid.CreateVersion7().ToString(), (long)TimeSpan.FromDays(2).TotalMilliseconds])).ToString();
        return Guid.TryParse(result, out var id) ? id : null;
    }

    /// <summary>The hold <paramref name="idempotencyKey"/> made in the offer's open sale, if any; changes nothing.</summary>
    public async Task<Guid?> FindIdByKeyAsync(Guid skuId, Guid sellerId, Guid holderId, string idempotencyKey)
    {
        var db = redis.GetDatabase();
        var saleId = await db.StringGetAsync(keys.FlashOffer(skuId, sellerId));
        if (saleId.IsNull)
        {
            return null;
        }

        var id = await db.StringGetAsync($"{keys.FlashSale(Guid.Parse(saleId.ToString()))}:idem:{holderId}:{idempotencyKey}");
        return Guid.TryParse(id.ToString(), out var found) ? found : null;
    }

    /// <summary>A flash hold of a sale that is still open, as Redis knows it; null otherwise.</summary>
    public async Task<ReservationRecord?> TryFindAsync(Guid id)
    {
        try
        {
            var db = redis.GetDatabase();
            var fields = (await db.HashGetAllAsync(keys.FlashRecord(id))).ToDictionary(e => e.Name.ToString(), e => e.Value);
            if (fields.Count == 0 || !Guid.TryParse(fields["sale"].ToString(), out var saleId)
                || await db.HashGetAsync(keys.FlashSale(saleId), "state") != "active")
            {
                return null;
            }

            var created = (long)fields["created"];
            var expires = (long)fields["exp"];
            return new ReservationRecord(
                id,
                Guid.Parse(fields["sku"].ToString()),
                Guid.Parse(fields["seller"].ToString()),
                Guid.Parse(fields["holder"].ToString()),
                (int)fields["q"],
                fields["status"].ToString(),
                DateTimeOffset.FromUnixTimeMilliseconds(expires),
                (int)((expires - created) / 1000),
                saleId);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisFailed("read", ex.Message);
            return null;
        }
    }

    /// <summary>True when Redis owned the hold (an open sale's record) and handled the release, even a repeated one.</summary>
    public async Task<bool> TryReleaseAsync(Guid id) =>
        await EndAsync(id, ReservationStatus.Released) is { } outcome && outcome != "none";

    /// <summary>Null when Redis does not own the hold; otherwise whether the confirm took (an expired hold is ended now).</summary>
    public async Task<ConfirmOutcome?> TryConfirmAsync(Guid id) => await EndAsync(id, ReservationStatus.Confirmed) switch
    {
        null or "none" => null,
        "ok" or ReservationStatus.Confirmed => ConfirmOutcome.Confirmed,
        _ => ConfirmOutcome.NotActive,
    };

    /// <summary>Ends the sale's due holds, returning their units to the counter; how many it looked at.</summary>
    public async Task<int> ExpireDueAsync(Guid saleId, int limit) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(
            ExpireDueScript,
            [keys.FlashSale(saleId), keys.WriteBackStream],
            [keys.Prefix, clock.GetUtcNow().ToUnixTimeMilliseconds(), limit]);

    /// <summary>Stops the counter for good; what it had left, or null when Redis no longer knows the sale.</summary>
    public async Task<FlashCounterState?> CloseAsync(Guid saleId, Guid skuId, Guid sellerId)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            CloseScript,
            [keys.FlashSale(saleId), keys.FlashOffer(skuId, sellerId), keys.FlashActiveSales],
            [saleId.ToString()]))!;
        return result[0].ToString() == "closed" ? new FlashCounterState("closed", (int)result[1], (int)result[2]) : null;
    }

    public async Task<FlashCounterState?> ReadAsync(Guid saleId)
    {
        var values = await redis.GetDatabase().HashGetAsync(keys.FlashSale(saleId), ["state", "remaining", "confirmed"]);
        return values[0].IsNull ? null : new FlashCounterState(values[0].ToString(), (int)values[1], (int)values[2]);
    }

    public async Task<IReadOnlyList<Guid>> OpenSalesAsync() =>
        [.. (await redis.GetDatabase().SetMembersAsync(keys.FlashActiveSales)).Select(v => Guid.Parse(v.ToString()))];

    private async Task<string?> EndAsync(Guid id, string status)
    {
        try
        {
            return (await redis.GetDatabase().ScriptEvaluateAsync(
                EndScript,
                [keys.FlashRecord(id), keys.WriteBackStream],
                [keys.Prefix, id.ToString(), status, clock.GetUtcNow().ToUnixTimeMilliseconds()])).ToString();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisFailed(status, ex.Message);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Flash-sale counter unavailable for {Operation} ({Reason}); falling back to Postgres")]
    private partial void LogRedisFailed(string operation, string reason);
}
