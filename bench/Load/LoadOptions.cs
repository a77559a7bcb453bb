namespace AspireShop.Bench.Load;

public sealed record LoadOptions(int Concurrency, TimeSpan Warmup, TimeSpan Duration);
