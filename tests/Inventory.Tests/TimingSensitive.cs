namespace AspireShop.Inventory.Tests;

/// <summary>
/// Tests with deadlines (TTL release) or heavy bursts (flash sale) run alone, after the parallel ones, so neither
/// skews the other on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "timing-sensitive";
}
