using AspireShop.ServiceDefaults.Authentication;
using AspireShop.BuildingBlocks.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    public const string ReplayDeadLettersPath = "/admin/dead-letters/replay";

    /// <summary>
    /// Runs <typeparamref name="THandler"/> as consumer group <paramref name="groupId"/> on <paramref name="topics"/>
    /// (needs <c>AddKafkaClients</c>), with retries, dead-lettering, a bulkhead and a replay of its dead letters.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaConsumer<THandler>(
        this IHostApplicationBuilder builder, string groupId, IReadOnlyList<string> topics, Action<ConsumerOptions>? configure = null)
        where THandler : class, IMessageHandler
    {
        var options = new ConsumerOptions { GroupId = groupId, Topics = topics };
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options.MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options.MaxConcurrency));

        builder.Services.AddSingleton(new ConsumerRegistration<THandler>(options));
        builder.Services.AddScoped<THandler>();
        builder.Services.AddHostedService<KafkaConsumerHost<THandler>>();
        builder.Services.AddSingleton<IDeadLetterReplayer, DeadLetterReplayer<THandler>>();
        return builder;
    }

    /// <summary>POST /admin/dead-letters/replay: replays every consumer group's dead letters (the dashboard's command).</summary>
    public static IEndpointRouteBuilder MapDeadLetterReplay(this IEndpointRouteBuilder app)
    {
        // Replaying re-runs side effects: admins only, whatever the service's other endpoints allow.
        app.MapPost(ReplayDeadLettersPath, ReplayAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("ReplayDeadLetters");
        return app;
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
