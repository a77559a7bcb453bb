using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using AspireShop.AppHost.Infrastructure;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Inventory.Contracts;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AspireShop.Platform.Tests;

[Collection(PlatformCollection.Name)]
public sealed class PlatformTests(PlatformFixture platform)
{
    // Provisioned with 12 partitions and consumed by no service: the bench's event stream.
    private const string ProvisionedTopic = "outbox.event.bench";

    [Fact]
    public void EveryResourceIsRunningAndHealthy()
    {
        var resources = platform.Resources();
        Assert.Superset(
            new HashSet<string> { "postgres", "catalogdb", "redis", "kafka", "cdc", "catalog" },
            resources.Select(r => r.Name).ToHashSet());
        Assert.DoesNotContain(resources, r => r is ContainerResource);

        foreach (var resource in resources)
        {
            Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state), resource.Name);
            if (PlatformFixture.IsStep(resource.Name))
            {
                Assert.True(state.Snapshot.ExitCode == 0, platform.Describe(resource.Name));
            }
            else
            {
                Assert.True(state.Snapshot.HealthStatus == HealthStatus.Healthy, platform.Describe(resource.Name));
            }
        }
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HealthEndpointsAnswer200(string path)
    {
        using var client = platform.CreateHttpClient("catalog");
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProvisionedTopicCarriesMessagesThroughAConsumerGroup()
    {
        var bootstrap = await platform.GetConnectionStringAsync("kafka-bootstrap");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var metadata = admin.GetMetadata(ProvisionedTopic, TimeSpan.FromSeconds(10));
            Assert.Equal(12, Assert.Single(metadata.Topics).Partitions.Count);
        }

        var runId = Guid.NewGuid().ToString("N");
        var keys = Enumerable.Range(0, 200).Select(i => $"{runId}-{i}").ToHashSet();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true }).Build())
        {
            foreach (var key in keys)
            {
                producer.Produce(ProvisionedTopic, new Message<string, string> { Key = key, Value = runId });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(15)));
        }

        var group = $"roundtrip-{runId}";
        var seen = new HashSet<string>();
        using (var consumer = CreateGroupConsumer(bootstrap, group))
        {
            consumer.Subscribe(ProvisionedTopic);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!keys.IsSubsetOf(seen) && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } result && result.Message.Value == runId)
                {
                    seen.Add(result.Message.Key);
                    consumer.StoreOffset(result);
                }
            }

            consumer.Commit();
            consumer.Close();
        }

        Assert.Equal(keys.Count, seen.Intersect(keys).Count());

        // The group resumes at its committed offsets: nothing of this run is delivered again.
        using var resumed = CreateGroupConsumer(bootstrap, group);
        resumed.Subscribe(ProvisionedTopic);
        var redelivered = 0;
        var quietUntil = DateTime.UtcNow.AddSeconds(6);
        while (DateTime.UtcNow < quietUntil)
        {
            if (resumed.Consume(TimeSpan.FromMilliseconds(500)) is { } result && result.Message.Value == runId)
            {
                redelivered++;
            }
        }

        resumed.Close();
        Assert.Equal(0, redelivered);
    }

    [Fact]
    public async Task AvailabilityChangedTravelsFromInventorysOutboxThroughCdcAndKafkaToCatalog()
    {
        var product = await StorefrontProduct.CreateAsync(platform, stockPerSeller: 4);
        using var seller = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var stock = await seller.PutAsJsonAsync($"/api/inventory/stock/{product.SkuId}/{PlatformIdentity.DemoSellerAId}", new { onHand = 7 });
        Assert.True(stock.IsSuccessStatusCode, await stock.Content.ReadAsStringAsync());
        var key = $"{product.SkuId}:{PlatformIdentity.DemoSellerAId}";

        // The outbox row Inventory committed with the stock change is the event on the topic: same id, same payload.
        await using var inventory = new NpgsqlConnection(await platform.GetConnectionStringAsync("inventorydb"));
        await inventory.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT id::text FROM outbox WHERE aggregatetype = $1 AND aggregateid = $2 AND payload->>'available' = '7'", inventory)
        {
            Parameters = { new() { Value = AvailabilityChanged.AggregateType }, new() { Value = key } },
        };
        var outboxId = Assert.IsType<string>(await query.ExecuteScalarAsync());

        var onTopic = await TopicReader.FirstAsync(
            await platform.GetConnectionStringAsync("kafka-bootstrap"),
            AvailabilityChanged.Topic,
            m => m.Key == key && Header(m, ReceivedMessage.IdHeader) == outboxId,
            TimeSpan.FromSeconds(20));
        Assert.Equal(7, Available(onTopic));

        using var shopper = platform.CreateHttpClient("gateway");
        var shown = await Poll.UntilAsync(() => AvailableAsync(shopper, product), a => a == 7, TimeSpan.FromSeconds(10), a => $"available {a}");
        Assert.Equal(7, shown);
    }

    [Fact]
    public async Task AnEventItsHandlerCannotApplyIsDeadLetteredAndTheDashboardReplaysIt()
    {
        var product = await StorefrontProduct.CreateAsync(platform, stockPerSeller: 5);
        using var seller = platform.CreateHttpClient("gateway", await platform.TokenAsync(PlatformIdentity.DemoSellerA));
        using var shopper = platform.CreateHttpClient("gateway");
        await Poll.UntilAsync(() => AvailableAsync(shopper, product), a => a == 5, TimeSpan.FromSeconds(10), a => $"available {a}");
        var key = $"{product.SkuId}:{PlatformIdentity.DemoSellerAId}";

        // Catalog's projection writes to Redis: with Redis stopped every attempt fails, and the event is dead-lettered.
        await SetRedisAsync(running: false);
        try
        {
            using var stock = await seller.PutAsJsonAsync($"/api/inventory/stock/{product.SkuId}/{PlatformIdentity.DemoSellerAId}", new { onHand = 2 });
            Assert.True(stock.IsSuccessStatusCode, await stock.Content.ReadAsStringAsync());
            var letter = await TopicReader.FirstAsync(
                await platform.GetConnectionStringAsync("kafka-bootstrap"),
                "dlq.catalog.availability",
                m => m.Key == key && Available(m) == 2,
                TimeSpan.FromSeconds(60),
                () => platform.Describe("catalog") + platform.Describe("redis"));
            Assert.Equal(AvailabilityChanged.Topic, Header(letter, DeadLetter.OriginalTopicHeader));
        }
        finally
        {
            await SetRedisAsync(running: true);
        }

        var result = await platform.App.ResourceCommands.ExecuteCommandAsync("catalog", ServiceCommandExtensions.ReplayDeadLettersCommand);
        Assert.True(result.Success, result.Message);
        var shown = await Poll.UntilAsync(() => AvailableAsync(shopper, product), a => a == 2, TimeSpan.FromSeconds(10), a => $"available {a}");
        Assert.Equal(2, shown);
    }

    [Fact]
    public async Task EveryServiceAnswersAnUnknownRouteWith404ProblemDetails()
    {
        // The storefront answers people, with its own not-found page; the APIs and their front door answer programs.
        var services = platform.ApiNames().Append("gateway").ToList();
        Assert.Superset(new HashSet<string> { "gateway", "identity", "catalog", "search", "inventory", "cart" }, services.ToHashSet());

        foreach (var service in services)
        {
            using var client = platform.CreateHttpClient(service);
            using var response = await client.GetAsync($"/api/{service}/no-such-route");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{service}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task TheGatewaysApiReferenceListsEveryServicesOperations()
    {
        using var gateway = platform.CreateHttpClient("gateway");
        using var page = await gateway.GetAsync("/scalar/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();

        foreach (var service in platform.ApiNames())
        {
            Assert.Contains($"{service}.json", html, StringComparison.Ordinal);
            using var direct = platform.CreateHttpClient(service);
            var throughGateway = await OpenApiCoverage.DocumentedAsync(gateway, $"/openapi/services/{service}.json");
            Assert.NotEmpty(throughGateway);
            Assert.Equal(await OpenApiCoverage.DocumentedAsync(direct), throughGateway);
        }
    }

    private static IConsumer<string, string> CreateGroupConsumer(string bootstrap, string group) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 3000,
            HeartbeatIntervalMs = 1000,
        }).Build();

    private async Task SetRedisAsync(bool running)
    {
        var command = running ? KnownResourceCommands.StartCommand : KnownResourceCommands.StopCommand;
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync("redis", command);
        Assert.True(result.Success, result.Message);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (running)
        {
            foreach (var resource in new[] { "redis", "catalog", "inventory" })
            {
                await platform.WaitHealthyAsync(resource, deadline.Token);
            }
        }
        else
        {
            await platform.App.ResourceNotifications.WaitForResourceAsync(
                "redis", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), deadline.Token);
        }
    }

    // The payload as CDC carries it: the outbox's jsonb text, whatever its spacing.
    private static int? Available(Message<string?, string?> message) =>
        message.Value is { } value ? JsonNode.Parse(value)?["available"]?.GetValue<int>() : null;

    private static string? Header(Message<string?, string?> message, string name) =>
        message.Headers?.TryGetLastBytes(name, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : null;

    private static async Task<int?> AvailableAsync(HttpClient client, StorefrontProduct product)
    {
        var page = (await client.GetFromJsonAsync<JsonObject>($"/api/catalog/products/{product.ProductId}"))!;
        return page["variants"]!.AsArray().SelectMany(v => v!["offers"]!.AsArray())
            .FirstOrDefault(o => o!["sellerId"]!.GetValue<Guid>() == PlatformIdentity.DemoSellerAId)?["availability"]?["available"]?.GetValue<int?>();
    }
}
