namespace AspireShop.Catalog.Tests;

/// <summary>Tests that assert a duration run alone, after the parallel ones, so other tests' load does not skew them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "timing-sensitive";
}
