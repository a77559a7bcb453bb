namespace AspireShop.Bench.Load;

/// <summary>One request of a load: true when it succeeded. Paths are relative (no leading slash) to the client's base address.</summary>
public delegate Task<bool> LoadStep(HttpClient client, CancellationToken cancellationToken);
