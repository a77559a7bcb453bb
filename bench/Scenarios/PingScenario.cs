namespace AspireShop.Bench.Scenarios;

public sealed class PingScenario : SingleLoadScenario
{
    public override string Name => "ping";

    public override string Description => "GET api/catalog/ping: one round trip to Postgres, Redis and Kafka each";

    protected override async Task<bool> SendAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("api/catalog/ping", cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
