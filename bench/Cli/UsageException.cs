namespace AspireShop.Bench.Cli;

/// <summary>A command line the bench cannot run; a null message means usage was asked for.</summary>
public sealed class UsageException(string? error) : Exception(error ?? "usage requested")
{
    public string? Error { get; } = error;
}
