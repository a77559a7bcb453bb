using AspireShop.BuildingBlocks.Messaging;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    public const string ReplayDeadLettersPath = "/admin/dead-letters/replay";

    /// <summary>Where a consumer group's settings live: <c>Messaging:Consumers:&lt;default group id&gt;</c>.</summary>
    public const string ConsumersSection = "Messaging:Consumers";

    /// <summary>
    /// Runs <typeparamref name="THandler"/> on the <typeparamref name="TEvent"/>s of <paramref name="topic"/> as consumer
    /// group <paramref name="groupId"/> (needs <c>AddKafkaClients</c>): payloads are deserialised here, and one that is
    /// missing or not the contract's shape is dead-lettered at once; failures are retried with backoff, then dead-lettered.
    /// </summary>
    public static IHostApplicationBuilder AddEventHandler<TEvent, THandler>(
        this IHostApplicationBuilder builder, string groupId, string topic, Action<ConsumerOptions>? configure = null)
        where TEvent : class
        where THandler : class, IEventHandler<TEvent>
    {
        builder.Services.AddScoped<THandler>();
        return builder.AddConsumer<EventDispatcher<TEvent, THandler>>(
            groupId, [topic], typeof(IEventBatchHandler<TEvent>).IsAssignableFrom(typeof(THandler)), configure);
    }

    /// <summary>
    /// Runs <typeparamref name="THandler"/> on the Debezium change events of <paramref name="topics"/> (one table each) as
    /// consumer group <paramref name="groupId"/>, with the same retries and dead-lettering as <see cref="AddEventHandler{TEvent, THandler}"/>.
    /// </summary>
    public static IHostApplicationBuilder AddChangeHandler<THandler>(
        this IHostApplicationBuilder builder, string groupId, IReadOnlyList<string> topics, Action<ConsumerOptions>? configure = null)
        where THandler : class, IChangeHandler
    {
        builder.Services.AddScoped<THandler>();
        return builder.AddConsumer<ChangeDispatcher<THandler>>(
            groupId, topics, typeof(IChangeBatchHandler).IsAssignableFrom(typeof(THandler)), configure);
    }

    /// <summary>POST /admin/dead-letters/replay: replays every consumer group's dead letters (the dashboard's command).</summary>
    public static IEndpointRouteBuilder MapDeadLetterReplay(this IEndpointRouteBuilder app)
    {
        // Replaying re-runs side effects: admins only, whatever the service's other endpoints allow.
        app.MapPost(ReplayDeadLettersPath, ReplayAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("ReplayDeadLetters");
        return app;
    }

    private static IHostApplicationBuilder AddConsumer<TDispatcher>(
        this IHostApplicationBuilder builder, string groupId, IReadOnlyList<string> topics, bool batches, Action<ConsumerOptions>? configure)
        where TDispatcher : class, IMessageDispatcher
    {
        var options = new ConsumerOptions { GroupId = groupId, Topics = topics };
        configure?.Invoke(options);
        var section = builder.Configuration.GetSection($"{ConsumersSection}:{groupId}");
        section.Bind(options);
        if (section.GetSection(nameof(ConsumerOptions.Topics)).Get<string[]>() is { Length: > 0 } configured)
        {
            options.Topics = configured;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.GroupId, nameof(options.GroupId));
        ArgumentOutOfRangeException.ThrowIfZero(options.Topics.Count, nameof(options.Topics));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options.MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options.MaxConcurrency));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1, nameof(options.MaxBatchSize));

        builder.Services.AddSingleton(new ConsumerRegistration<TDispatcher>(options, batches));
        builder.Services.AddScoped<TDispatcher>();
        builder.Services.AddHostedService<KafkaConsumerHost<TDispatcher>>();
        builder.Services.AddSingleton<IDeadLetterReplayer, DeadLetterReplayer<TDispatcher>>();
        return builder;
    }

    private static async Task<Ok<ReplayResult[]>> ReplayAsync(IEnumerable<IDeadLetterReplayer> replayers, CancellationToken cancellationToken)
    {
        var results = new List<ReplayResult>();
        foreach (var replayer in replayers)
        {
            results.Add(await replayer.ReplayAsync(cancellationToken));
        }

        return TypedResults.Ok(results.ToArray());
    }
}
