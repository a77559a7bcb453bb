using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace AspireShop.ServiceDefaults.Messaging;

/// <summary>
/// Tracing for Kafka, which Confluent.Kafka does not instrument: W3C trace context travels in message headers so the
/// dashboard shows one trace from the HTTP request through the broker to the consumer.
/// </summary>
public static class KafkaTelemetry
{
    public const string ActivitySourceName = "AspireShop.Kafka";
    public const string MeterName = "AspireShop.Kafka";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Produced = Meter.CreateCounter<long>("aspireshop.kafka.produced", description: "Messages acknowledged by the broker");
    private static readonly Counter<long> Consumed = Meter.CreateCounter<long>("aspireshop.kafka.consumed", description: "Messages handed to a consumer");

    // W3C trace context and baggage, fixed rather than the SDK's global default, which is a no-op until an SDK is built.
    private static readonly TextMapPropagator Propagator = new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

    /// <summary>Produces with a producer span and the current trace context injected into the headers.</summary>
    public static async Task<DeliveryResult<TKey, TValue>> ProduceTracedAsync<TKey, TValue>(
        this IProducer<TKey, TValue> producer, string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        using var activity = ActivitySource.StartActivity($"{topic} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.operation.type", "publish");

        message.Headers ??= [];
        var context = activity?.Context ?? Activity.Current?.Context ?? default;
        Propagator.Inject(new PropagationContext(context, Baggage.Current), message.Headers, SetHeader);

        var result = await producer.ProduceAsync(topic, message, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", result.Offset.Value);
        Produced.Add(1, new KeyValuePair<string, object?>("topic", topic));
        return result;
    }

    /// <summary>Starts a consumer span that continues the trace carried in the message headers.</summary>
    public static Activity? StartConsumeActivity<TKey, TValue>(ConsumeResult<TKey, TValue> result, string consumerGroup)
    {
        var parent = Propagator.Extract(default, result.Message.Headers, GetHeader);
        Baggage.Current = parent.Baggage;
        Consumed.Add(1, new KeyValuePair<string, object?>("topic", result.Topic));

        var activity = ActivitySource.StartActivity($"{result.Topic} process", ActivityKind.Consumer, parent.ActivityContext);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", result.Topic);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.consumer.group.name", consumerGroup);
        activity?.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", result.Offset.Value);
        return activity;
    }

    /// <summary>One consumer span for a batch, linked to the trace of each message in it (the first 64).</summary>
    public static Activity? StartConsumeBatchActivity<TKey, TValue>(IReadOnlyList<ConsumeResult<TKey, TValue>> batch, string consumerGroup)
    {
        var first = batch[0];
        Consumed.Add(batch.Count, new KeyValuePair<string, object?>("topic", first.Topic));
        var links = batch.Take(64)
            .Select(r => Propagator.Extract(default, r.Message.Headers, GetHeader).ActivityContext)
            .Where(c => c != default)
            .Select(c => new ActivityLink(c))
            .ToList();
        var activity = ActivitySource.StartActivity($"{first.Topic} process", ActivityKind.Consumer, parentContext: default, links: links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", first.Topic);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.consumer.group.name", consumerGroup);
        activity?.SetTag("messaging.destination.partition.id", first.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        activity?.SetTag("messaging.kafka.offset", first.Offset.Value);
        return activity;
    }

    private static void SetHeader(Headers headers, string key, string value)
    {
        headers.Remove(key);
        headers.Add(key, Encoding.UTF8.GetBytes(value));
    }

    private static IEnumerable<string> GetHeader(Headers? headers, string key) =>
        headers is not null && headers.TryGetLastBytes(key, out var bytes) ? [Encoding.UTF8.GetString(bytes)] : [];
}
