namespace AspireShop.Infrastructure.EmbeddedKafka;

/// <summary>A topic to create on the mock cluster.</summary>
public sealed record TopicSpec(string Name, int Partitions);
