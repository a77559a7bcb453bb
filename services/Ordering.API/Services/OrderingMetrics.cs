using System.Diagnostics.Metrics;
using AspireShop.Ordering.API.Domain;

namespace AspireShop.Ordering.API.Services;

/// <summary>Ordering's own instruments (meter <c>AspireShop.Ordering</c>): what the saga timer re-sends and parks (its rounds and lag are <c>AspireShop.Workers</c>').</summary>
public sealed class OrderingMetrics
{
    public const string MeterName = "AspireShop.Ordering";

    private readonly Counter<long> _resends;
    private readonly Counter<long> _parked;

    public OrderingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _resends = meter.CreateCounter<long>("ordering.saga.resends", description: "Commands the saga timer sent again because a step's deadline passed, by step");
        _parked = meter.CreateCounter<long>("ordering.saga.parked", description: "Orders parked as needs-attention after their last re-send, by step");
    }

    public void Resent(SagaStep step) => _resends.Add(1, new KeyValuePair<string, object?>("step", step.ToString()));

    public void Parked(SagaStep step) => _parked.Add(1, new KeyValuePair<string, object?>("step", step.ToString()));
}
