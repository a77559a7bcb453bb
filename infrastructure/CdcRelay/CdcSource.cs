using System.Text.RegularExpressions;

namespace AspireShop.Infrastructure.CdcRelay;

/// <summary>One source database the relay streams, with Debezium's connector settings as defaults.</summary>
public sealed partial record CdcSource
{
    private readonly string? _slotName;

    /// <summary>Logical name, also Debezium's <c>topic.prefix</c>: change events go to <c>&lt;Name&gt;.&lt;schema&gt;.&lt;table&gt;</c>.</summary>
    public required string Name { get; init; }

    public required string ConnectionString { get; init; }

    /// <summary>Schema-qualified tables published as change events, e.g. <c>public.products</c>.</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];

    /// <summary>Schema-qualified table whose INSERTs are routed as outbox events.</summary>
    public string OutboxTable { get; init; } = "public.outbox";

    /// <summary>
    /// Defaults to <c>aspireshop_cdc_&lt;Name&gt;</c>, not one shared name: slots are cluster-wide and every service
    /// database of the cluster needs its own.
    /// </summary>
    public string SlotName
    {
        get => _slotName ?? "aspireshop_cdc_" + NotIdentifierChars().Replace(Name.ToLowerInvariant(), "_");
        init => _slotName = value;
    }

    public string PublicationName { get; init; } = "aspireshop_cdc";

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex NotIdentifierChars();
}
